// `express4` is Express 4 installed under an npm alias (dev dependency) to test both majors; its API
// surface used here is the same as Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
