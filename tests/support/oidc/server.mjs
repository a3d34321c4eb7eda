// A real OpenID Connect provider for the sign-in tests (panva/oidc-provider, an OpenID
// Foundation certified implementation). It listens on a loopback port of its own choosing and
// prints `READY <issuer>` once it serves.
//
// Environment:
//   REDIRECT_URIS      comma-separated redirect URIs registered for the clients
//   POST_LOGOUT_URIS   comma-separated post-logout redirect URIs
// Clients: `shuangda` (secret `shuangda-secret`) and `short`, whose authorization codes expire
// after one second (for the expired-code test).
// People: any login name signs in; `sub` is `sub-<name>`, `preferred_username` is the name.
import http from 'node:http';
import Provider from 'oidc-provider';

const list = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);
const redirectUris = list(process.env.REDIRECT_URIS);
const postLogout = list(process.env.POST_LOGOUT_URIS);

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

let provider;
const server = http.createServer(async (req, res) => {
  try {
    const m = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (m) {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><form method="post" action="/interaction/${m[1]}/login">`
          + '<input name="login" id="op-login"><button id="op-submit">sign in</button></form>');
        return;
      }
      const login = new URLSearchParams(await readBody(req)).get('login');
      const accountId = `sub-${login}`;
      const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res,
        { login: { accountId }, consent: { grantId } },
        { mergeWithLastSubmission: false });
      return;
    }
    provider.callback()(req, res);
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e));
  }
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const client = (id, secret) => ({
    client_id: id,
    client_secret: secret,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogout,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  provider = new Provider(issuer, {
    clients: [client('shuangda', 'shuangda-secret'), client('short', 'short-secret')],
    async findAccount(ctx, id) {
      const name = id.replace(/^sub-/, '');
      return {
        accountId: id,
        async claims() {
          return { sub: id, preferred_username: name, name: `测试${name}` };
        },
      };
    },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    // The profile claims in the ID token itself, as government identity platforms send them.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    pkce: { required: () => true },
    ttl: {
      AuthorizationCode: (ctx, token, c) => (c.clientId === 'short' ? 1 : 60),
      IdToken: 3600,
      AccessToken: 3600,
      Interaction: 3600,
      Session: 3600,
      Grant: 3600,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['shuangda-test-cookie-key'] },
  });
  console.log(`READY ${issuer}`);
});
