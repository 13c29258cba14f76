// Shared, in-memory session state. The CSRF token lives only here (never in storage).
export const state = {
  user: null, // {id, email, name, role, ...}
  company: null, // {id, name, slug, settings}
  csrf: null,
  socket: null,
  users: [], // everyone in the company, for the assign dropdown
  online: [], // [{id, name}] from `presence`
  sessionChange: null, // while this tab changes its own password: that request (it brings the new session)
};

export const isAdmin = () => !!state.user && state.user.role === 'admin';
