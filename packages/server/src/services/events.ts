/** The service-event bus lives with its cluster implementations (cluster/events.ts); re-exported here. */
export { type EventBus, LocalEventBus, type ServiceEvent } from '../cluster/events.js';
