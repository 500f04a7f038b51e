// The four steps a learner writes: user data, a secret, encode, print.
// Run: npm run -s seed   (prints the same token as Python's PyJWT for the same program)
import { encode } from 'jwtkit';

const userData = { user_id: 101, username: 'alice', role: 'admin' };
const secretKey = 'mysecret123';

const token = encode(userData, secretKey, { algorithm: 'HS256' });
console.log(token);
