/** The agent's environment without its API token and the broker's credentials: hosted processes never need them. */
export function childEnv(): NodeJS.ProcessEnv {
  const { ALGODECK_TOKEN: _token, KITE_API_SECRET: _secret, KITE_API_KEY: _key, ...env } = process.env;
  return env;
}
