import { ConflictError, NotFoundError } from '../domain-errors.js';
import type { Role, Storage } from '../storage/types.js';
import type { AuditService } from './audit.js';
import { type PublicUser, toPublicUser } from './auth.js';
import type { EpochStore } from './revocation.js';
import type { RequestContext, SessionService } from './sessions.js';
import type { AccessClaims } from './tokens.js';

export class AdminService {
  constructor(
    private readonly storage: Storage,
    private readonly sessions: SessionService,
    private readonly epochs: EpochStore,
    private readonly audit: AuditService,
    private readonly clock: () => number,
  ) {}

  async listUsers(
    limit: number,
    offset: number,
  ): Promise<{ users: PublicUser[]; total: number; limit: number; offset: number }> {
    const page = await this.storage.listUsers({ limit, offset });
    return { users: page.users.map(toPublicUser), total: page.total, limit, offset };
  }

  async updateUser(
    actor: AccessClaims,
    id: number,
    patch: { role?: Role; disabled?: boolean },
    ctx: RequestContext,
  ): Promise<PublicUser> {
    const before = await this.storage.getUserById(id);
    if (!before) throw new NotFoundError('The user');
    if (
      id === actor.user_id &&
      (patch.disabled === true || (patch.role !== undefined && patch.role !== 'admin'))
    ) {
      throw new ConflictError('cannot_modify_self', 'Admins cannot disable or demote themselves.');
    }
    const after = await this.storage.updateUser(id, patch, this.clock());
    if (!after) throw new NotFoundError('The user');
    const roleChanged = before.role !== after.role;
    const disabledNow = !before.disabled && after.disabled;
    let revoked = 0;
    if (roleChanged || disabledNow) await this.epochs.bump(id); // old tokens carry a stale role / a disabled user
    if (disabledNow) revoked = (await this.sessions.revokeAll(id, 'user_disabled')).length;
    await this.audit.record('user.updated', {
      userId: id,
      actorId: actor.user_id,
      ip: ctx.ip,
      details: {
        ...(patch.role === undefined ? {} : { role: { from: before.role, to: after.role } }),
        ...(patch.disabled === undefined ? {} : { disabled: { from: before.disabled, to: after.disabled } }),
        revoked_sessions: revoked,
      },
    });
    return toPublicUser((await this.storage.getUserById(id)) ?? after);
  }

  async adminRevokeSessions(
    actor: AccessClaims,
    id: number,
    ctx: RequestContext,
  ): Promise<{ revoked_sessions: number }> {
    const user = await this.storage.getUserById(id);
    if (!user) throw new NotFoundError('The user');
    await this.epochs.bump(id);
    const ids = await this.sessions.revokeAll(id, 'revoked_by_admin');
    await this.audit.record('sessions.revoked_by_admin', {
      userId: id,
      actorId: actor.user_id,
      ip: ctx.ip,
      details: { sessions: ids.length },
    });
    return { revoked_sessions: ids.length };
  }
}
