/** The agent's environment without its API token: hosted processes never need it. */
export function childEnv(): NodeJS.ProcessEnv {
  const { ALGODECK_TOKEN: _token, ...env } = process.env;
  return env;
}
