// The one name for an API object whose fields are read without narrowing. The API server, the
// Gateway API controller and the cluster's bootstrap still walk objects of every kind through it;
// each kind gets its own type as it moves into the registry of kinds, and this alias shrinks away.
// biome-ignore lint/suspicious/noExplicitAny: the single place untyped object access is allowed; see above.
export type UntypedObject = Record<string, any>;
