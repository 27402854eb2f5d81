// A real OpenID Connect provider for the sign-in tests: oidc-provider (a
// certified implementation) with its development sign-in pages, where any
// name signs in. People's groups follow their names: `ada…` is in `ops`,
// `eddie…` in `qa`, anyone else in `staff`.
//
//   node oidc/provider.mjs PORT CLIENT_SECRET DASHBOARD_URL
import Provider from 'oidc-provider';

const [port, secret, dashboard] = process.argv.slice(2);
const issuer = `http://localhost:${port}`;
const groupsOf = (name) => (name.startsWith('ada') ? ['ops'] : name.startsWith('eddie') ? ['qa'] : ['staff']);

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'logdeck',
    client_secret: secret,
    redirect_uris: [`${dashboard}/auth/callback`],
    post_logout_redirect_uris: [`${dashboard}/auth/signed-out`],
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, name: sub, preferred_username: sub, email: `${sub}@example.org`, groups: groupsOf(sub) }),
  }),
});
provider.listen(Number(port), () => console.log(`oidc provider at ${issuer}`));
