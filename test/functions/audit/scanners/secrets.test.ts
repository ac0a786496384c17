import { describe, expect, it } from 'vitest';
import { createSecretsScanner, SECRETS_RULES } from '../../../../functions/audit/scanners/secrets';

// Fake credentials are generated, not pasted: the shapes are real, the values are random and never valid.
let seed = 20240601;
function rand(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 0x100000000;
}
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = `${BASE62}+/`;
const BASE64URL = `${BASE62}-_`;
function random(n: number, alphabet = BASE62): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

const scanner = createSecretsScanner();
function scan(text: string, s = scanner): { rule: string; value: string }[] {
  const out: { rule: string; value: string }[] = [];
  s.scan(text, (h) => {
    expect(h.start).toBeGreaterThanOrEqual(0);
    expect(h.end).toBeGreaterThan(h.start);
    expect(h.end).toBeLessThanOrEqual(text.length);
    out.push({ rule: h.rule, value: text.slice(h.start, h.end) });
  });
  return out;
}
const rules = (text: string) => scan(text).map((h) => h.rule);

describe('SECRETS_RULES', () => {
  it('has unique, stable secrets.* kebab ids and the scanner reports only those', () => {
    const ids = SECRETS_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of SECRETS_RULES) {
      expect(r.id).toMatch(/^secrets\.[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(r.check).toBe('secrets');
    }
    expect(scanner.check).toBe('secrets');
    expect(scanner.rules).toBe(SECRETS_RULES);
  });

  it('quarantines live credentials and only warns on Stripe test keys', () => {
    const byId = new Map(SECRETS_RULES.map((r) => [r.id, r]));
    expect(byId.get('secrets.private-key')).toMatchObject({ severity: 'critical', action: 'quarantine' });
    expect(byId.get('secrets.stripe-live-key')).toMatchObject({ severity: 'critical', action: 'quarantine' });
    expect(byId.get('secrets.stripe-test-key')).toMatchObject({ severity: 'low', action: 'warn' });
    for (const r of SECRETS_RULES) if (r.id !== 'secrets.stripe-test-key') expect(r.action).toBe('quarantine');
  });
});

describe('AWS', () => {
  const keyId = `AKIA${random(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
  const tempId = `ASIA${random(12, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')}2345`;
  const secret = random(40, BASE64);

  it('finds access key ids, span = the id', () => {
    expect(scan(`key: ${keyId}, temp "${tempId}"`)).toEqual([
      { rule: 'secrets.aws-access-key-id', value: keyId },
      { rule: 'secrets.aws-access-key-id', value: tempId },
    ]);
  });

  it('finds secret access keys in assignment context, in every common spelling', () => {
    for (const text of [
      `aws_secret_access_key = ${secret}`,
      `AWS_SECRET_ACCESS_KEY="${secret}"`,
      `{"SecretAccessKey": "${secret}"}`,
      `export AWS_SECRET_KEY=${secret}`,
    ]) {
      expect(scan(text), text).toEqual([{ rule: 'secrets.aws-secret-access-key', value: secret }]);
    }
  });

  it('reports an id and its secret together from a credentials file', () => {
    const file = `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\nregion = us-east-1\n`;
    expect(rules(file)).toEqual(['secrets.aws-access-key-id', 'secrets.aws-secret-access-key']);
  });

  it('ignores the AWS documentation examples unless asked not to', () => {
    const doc = 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(scan(doc)).toEqual([]);
    const strict = createSecretsScanner({ ignoreDocumentationExamples: false });
    expect(scan(doc, strict).map((h) => h.rule)).toEqual(['secrets.aws-access-key-id', 'secrets.aws-secret-access-key']);
  });

  it('does not take a 40-character random string without a key name, wrong charsets or words', () => {
    expect(scan(`checksum ${secret} done`)).toEqual([]);
    expect(scan('AKIA0123456789ABCDEF')).toEqual([]); // 0, 1, 8, 9 are not base32
    expect(scan('ASIAPACIFICECONOMICS is one word')).toEqual([]);
    expect(scan('MALAKIA2345ABCDEFGHIJKLMN')).toEqual([]);
    expect(scan(`aws_secret_access_key = ${'A'.repeat(40)}`)).toEqual([]);
  });
});

describe('GitHub and GitLab', () => {
  it('finds every GitHub token prefix and fine-grained PATs', () => {
    for (const p of ['ghp', 'gho', 'ghu', 'ghs', 'ghr']) {
      const t = `${p}_${random(36)}`;
      expect(scan(`token ${t}.`), p).toEqual([{ rule: 'secrets.github-token', value: t }]);
    }
    const pat = `github_pat_${random(22)}_${random(59)}`;
    expect(scan(`GH=${pat}`)).toEqual([{ rule: 'secrets.github-token', value: pat }]);
  });

  it('finds GitLab tokens', () => {
    const pat = `glpat-${random(20, BASE64URL)}`;
    const runner = `glrt-${random(20)}`;
    expect(scan(`${pat} and ${runner}`)).toEqual([
      { rule: 'secrets.gitlab-token', value: pat },
      { rule: 'secrets.gitlab-token', value: runner },
    ]);
  });

  it('skips placeholders, short bodies and prefixes glued to words', () => {
    expect(scan(`ghp_${'x'.repeat(36)}`)).toEqual([]);
    expect(scan('ghp_1234567890abcdefghijklmnopqrstuvwxyz')).toEqual([]);
    expect(scan(`ghp_${random(20)}`)).toEqual([]);
    expect(scan(`my_ghp_${random(36)}`)).toEqual([]);
    expect(scan('glpat-xxxxxxxxxxxxxxxxxxxx and glpat-<your-token>')).toEqual([]);
    expect(scan('see the ghp_ prefix and the glpat- prefix in the docs')).toEqual([]);
  });
});

describe('Slack', () => {
  const digits = (n: number) => random(n, '0123456789');
  it('finds bot and user tokens and webhook URLs', () => {
    const bot = `xoxb-${digits(12)}-${digits(13)}-${random(24)}`;
    const user = `xoxp-${digits(12)}-${digits(12)}-${digits(13)}-${random(32, '0123456789abcdef')}`;
    const hook = `https://hooks.slack.com/services/T${random(8, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/B${random(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}/${random(24)}`;
    expect(scan(`SLACK_BOT_TOKEN=${bot}\nuser: ${user}\nPOST ${hook}`)).toEqual([
      { rule: 'secrets.slack-token', value: bot },
      { rule: 'secrets.slack-token', value: user },
      { rule: 'secrets.slack-webhook-url', value: hook },
    ]);
  });

  it('skips the documented dummy webhook and placeholder tokens', () => {
    expect(scan('https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX')).toEqual([]);
    expect(scan('SLACK_TOKEN=xoxb-your-bot-token-here')).toEqual([]);
    expect(scan('Slack tokens start with xoxb- or xoxp-.')).toEqual([]);
  });
});

describe('Stripe', () => {
  it('separates live keys (critical) from test keys (low)', () => {
    const live = `sk_live_${random(24)}`;
    const restricted = `rk_live_${random(24)}`;
    const test = `sk_test_${random(24)}`;
    expect(scan(`${live} ${restricted} ${test}`)).toEqual([
      { rule: 'secrets.stripe-live-key', value: live },
      { rule: 'secrets.stripe-live-key', value: restricted },
      { rule: 'secrets.stripe-test-key', value: test },
    ]);
  });

  it('ignores publishable keys and placeholders', () => {
    expect(scan(`pk_live_${random(24)} pk_test_${random(24)}`)).toEqual([]);
    expect(scan('stripe.api_key = "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"')).toEqual([]);
  });
});

describe('OpenAI and Anthropic', () => {
  it('finds legacy, project, service-account and OpenAI-compatible sk- keys', () => {
    const legacy = `sk-${random(20)}T3BlbkFJ${random(20)}`;
    const project = `sk-proj-${random(74, BASE64URL)}T3BlbkFJ${random(74, BASE64URL)}`;
    const svc = `sk-svcacct-${random(58, BASE64URL)}T3BlbkFJ${random(58, BASE64URL)}`;
    const compatible = `sk-${random(48)}`;
    expect(scan(`OPENAI_API_KEY=${legacy}\n${project}\n"${svc}"\napi_key="${compatible}"`)).toEqual([
      { rule: 'secrets.openai-api-key', value: legacy },
      { rule: 'secrets.openai-api-key', value: project },
      { rule: 'secrets.openai-api-key', value: svc },
      { rule: 'secrets.openai-api-key', value: compatible },
    ]);
  });

  it('finds Anthropic keys and names them as such, not as OpenAI keys', () => {
    const key = `sk-ant-api03-${random(93, BASE64URL)}AA`;
    expect(scan(`ANTHROPIC_API_KEY=${key}`)).toEqual([{ rule: 'secrets.anthropic-api-key', value: key }]);
  });

  it('does not fire on sk- words, slugs, elided keys or sequential fakes', () => {
    expect(scan('pip install scikit-learn; import sklearn; sk-learn, task-manager, risk-free, desk-1')).toEqual([]);
    expect(scan('Your key looks like sk-... or sk-proj-... and Anthropic keys like sk-ant-api03-...')).toEqual([]);
    expect(scan('OPENAI_API_KEY=sk-1234567890abcdef1234567890abcdef1234567890abcdef')).toEqual([]);
    expect(scan('sk-your-openai-api-key-goes-here-please')).toEqual([]);
  });
});

describe('Google API keys', () => {
  it('finds AIza keys of the exact length', () => {
    const key = `AIza${random(35, BASE64URL)}`;
    expect(scan(`https://maps.googleapis.com/maps/api/js?key=${key}&callback=init`)).toEqual([
      { rule: 'secrets.google-api-key', value: key },
    ]);
  });
  it('rejects wrong lengths and words', () => {
    expect(scan(`AIza${random(30)}`)).toEqual([]);
    expect(scan(`AIza${random(40)}`)).toEqual([]);
    expect(scan('The AIzaTeam wrote about Aizawa.')).toEqual([]);
  });
});

describe('private keys', () => {
  const body = Array.from({ length: 6 }, () => random(64, BASE64)).join('\n');
  it('reports the whole block, header to footer', () => {
    const block = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(scan(`key:\n${block}\nthanks`)).toEqual([{ rule: 'secrets.private-key', value: block }]);
  });

  it('finds OpenSSH, PGP, encrypted and JSON-escaped keys, and truncated ones', () => {
    const ssh = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\n-----END OPENSSH PRIVATE KEY-----`;
    const pgp = `-----BEGIN PGP PRIVATE KEY BLOCK-----\nComment: generated\n\n${body}\n-----END PGP PRIVATE KEY BLOCK-----`;
    const enc = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${random(32, '0123456789ABCDEF')}\n\n${body}\n-----END RSA PRIVATE KEY-----`;
    const escaped = `{"private_key": "-----BEGIN PRIVATE KEY-----\\n${body.replace(/\n/g, '\\n')}\\n-----END PRIVATE KEY-----\\n"}`;
    const truncated = `-----BEGIN EC PRIVATE KEY-----\n${body}`;
    for (const text of [ssh, pgp, enc, escaped, truncated]) {
      expect(rules(text), text.slice(0, 40)).toEqual(['secrets.private-key']);
    }
  });

  it('ignores public keys, certificates and elided how-to blocks', () => {
    expect(scan(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`)).toEqual([]);
    expect(scan(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`)).toEqual([]);
    expect(scan('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg...\n-----END PRIVATE KEY-----')).toEqual([]);
    expect(scan('Paste the file that starts with -----BEGIN OPENSSH PRIVATE KEY----- into the field.')).toEqual([]);
  });
});

describe('JWTs', () => {
  const token = `${b64url({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64url({ sub: 'u_42', iat: 1717171717, exp: 1717175317 })}.${random(86, BASE64URL)}`;
  it('finds a signed JWT whose header decodes to JSON with alg', () => {
    expect(scan(`Authorization: Bearer ${token}`)).toEqual([{ rule: 'secrets.jwt', value: token }]);
  });

  it('skips the jwt.io sample by default', () => {
    const sample =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    expect(scan(sample)).toEqual([]);
    expect(scan(sample, createSecretsScanner({ ignoreDocumentationExamples: false })).map((h) => h.rule)).toEqual(['secrets.jwt']);
  });

  it('rejects look-alikes whose header is not a JOSE header', () => {
    const noAlg = `${b64url({ typ: 'JWT' })}.${b64url({ sub: '1' })}.${random(43, BASE64URL)}`;
    const notJson = `eyJub3QganNvbiBhdCBhbGw.${b64url({ sub: '1' })}.${random(43, BASE64URL)}`;
    const unsigned = `${b64url({ alg: 'none' })}.${b64url({ sub: '1' })}.`;
    expect(scan(`${noAlg} ${notJson} ${unsigned}`)).toEqual([]);
  });
});

describe('connection strings', () => {
  it('reports the password of database and broker URLs', () => {
    const pw = random(18);
    for (const scheme of ['postgres', 'postgresql', 'mysql', 'mongodb', 'mongodb+srv', 'redis', 'rediss', 'amqp', 'amqps']) {
      const url = `${scheme}://app_user:${pw}@db-1.internal.corp:5432/prod?sslmode=require`;
      expect(scan(`DATABASE_URL="${url}"`), scheme).toEqual([{ rule: 'secrets.connection-string-password', value: pw }]);
    }
    expect(scan(`jdbc:mysql://svc:${pw}@10.0.0.7:3306/app`)).toEqual([{ rule: 'secrets.connection-string-password', value: pw }]);
    expect(scan(`redis://:${pw}@cache:6379/0`)).toEqual([{ rule: 'secrets.connection-string-password', value: pw }]);
    expect(scan(`https://deploy:${pw}@git.internal.corp/repo.git`)).toEqual([{ rule: 'secrets.connection-string-password', value: pw }]);
  });

  it('takes the last @ so an unencoded @ in the password stays inside the span', () => {
    expect(scan('postgres://admin:Tr0ub4dor@3x@db.prod.internal/app')).toEqual([
      { rule: 'secrets.connection-string-password', value: 'Tr0ub4dor@3x' },
    ]);
  });

  it('ignores placeholders, defaults, masks, template variables and documentation hosts', () => {
    for (const text of [
      'postgres://user:password@localhost:5432/db',
      'postgresql://username:password@host:port/database',
      'mysql://root:****@localhost/app',
      'redis://:<password>@localhost:6379',
      'postgres://app:${PASS}@db/app',
      'postgres://app:{{ db_password }}@db/app',
      'postgres://app:%DB_PASSWORD%@db/app',
      'amqp://guest:guest@localhost:5672/',
      'mongodb://admin:admin@localhost:27017',
      'postgres://postgres:postgres@localhost/test',
      'mongodb://myDBReader:D1fficultP%40ssw0rd@mongodb0.example.com:27017/?authSource=admin',
      'http://localhost:8080/path@v2',
      'https://user@github.com/org/repo.git',
    ]) {
      expect(scan(text), text).toEqual([]);
    }
  });
});

describe('generic credential assignments', () => {
  it('finds high-entropy values under credential names in code, config and prose', () => {
    const v1 = random(32);
    const v2 = random(40, BASE64);
    const v3 = `${random(6)}!${random(5)}#2`;
    const v4 = random(64, '0123456789abcdef');
    expect(scan(`api_key = "${v1}"`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`{"client_secret": "${v2}"}`)).toEqual([{ rule: 'secrets.generic-credential', value: v2 }]);
    expect(scan(`password=${v3}`)).toEqual([{ rule: 'secrets.generic-credential', value: v3 }]);
    expect(scan(`SECRET_KEY: ${v4}`)).toEqual([{ rule: 'secrets.generic-credential', value: v4 }]);
    expect(scan(`the DB password: ${v3}, then restart`)).toEqual([{ rule: 'secrets.generic-credential', value: v3 }]);
    expect(scan(`curl -H "X-Api-Key: ${v1}" https://api.internal`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`headers = {"Authorization": "Bearer ${v1}"}`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`GET /v1/items?access_token=${v1}&page=2`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`token := "${v1}"`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`{:auth_token => '${v1}'}`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`{\\"apiKey\\": \\"${v1}\\"}`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`PGPASSWORD=${v3} psql`)).toEqual([{ rule: 'secrets.generic-credential', value: v3 }]);
    expect(scan(`Here is my API key: ${v1}`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`my password: ${v3} so log in`)).toEqual([{ rule: 'secrets.generic-credential', value: v3 }]);
    expect(scan(`docker login --username ci --password ${v1} registry.internal`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
    expect(scan(`vault login --token=${v1}`)).toEqual([{ rule: 'secrets.generic-credential', value: v1 }]);
  });

  it('lets a vendor rule win over the generic rule for the same value', () => {
    const gh = `ghp_${random(36)}`;
    expect(scan(`GITHUB_TOKEN="${gh}"`)).toEqual([{ rule: 'secrets.github-token', value: gh }]);
  });

  it('ignores placeholders, template references, code and environment lookups', () => {
    for (const text of [
      'api_key = "YOUR_API_KEY_HERE"',
      'api_key = "<your-api-key>"',
      'password: changeme',
      'password = "********"',
      'token: ${{ secrets.GITHUB_TOKEN }}',
      'secret: "${SECRET}"',
      'password: {{ .Values.db.password }}',
      'api_key = os.environ["OPENAI_API_KEY"]',
      'token = tokenizer.encode(text)',
      'secret = generate_secret(32)',
      'password = getpass.getpass()',
      'API_KEY = process.env.API_KEY',
      'password: !Ref DbPassword',
      'auth: { username: admin }',
      'password: Optional[str] = None',
      'api_key: str = Field(default=None)',
    ]) {
      expect(scan(text), text).toEqual([]);
    }
  });

  it('ignores UUIDs, git SHAs under non-credential names, paths, words, numbers and dates', () => {
    for (const text of [
      'token = "123e4567-e89b-12d3-a456-426614174000"',
      'commit: 9fceb02d0ae598e95dc970b74767f19372d61af8',
      'sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'secret_file: /etc/secrets/db-password.txt',
      'private_key: ./keys/server.pem',
      'password: correct-horse-battery-staple',
      'token: AnExampleCamelCaseValueName',
      'max_tokens: 4096, "token_count": 512, tokens=1500000',
      'secret: 2024-01-15T10:30:45Z',
      'token: v1.2.3-beta.4',
      'password_hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
      'token_type: "Bearer"',
      'eos_token: "</s>", pad_token: "<pad>", "bos_token": "<|begin_of_text|>"',
      'nextPageToken: "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA0NzRxZWw0EAE"',
      'The token: a unit of text. Password: use a strong one. Secret: nobody knows.',
      'if password == user_input:',
      'The access token is valid for 3600 seconds; the password is incorrect; the API key is stored in Vault.',
      'Use --password-stdin or --token-file ./token.txt instead of --password on the command line.',
      'The next page token is CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA0NzRxZWw0EAE',
      'auth: user@example.com',
    ]) {
      expect(scan(text), text).toEqual([]);
    }
  });
});

describe('false-positive traps in real code', () => {
  it('ignores member chains, optional chaining, enum constants, type annotations and URNs', () => {
    for (const text of [
      'exports.CfnSecret=exports.CfnRotationSchedule=exports.CfnResourcePolicy=void 0;',
      'this.s3EncryptionKey=props.s3Encryption._kmsKey||autoCreatedKmsKey',
      'masterUserSecret=props.credentials?.encryptionKey?{kmsKeyId:props.credentials.encryptionKey}',
      'const isS3ExpressAuth = endpoint.properties?.authSchemes?.[0]?.name === S3_EXPRESS;',
      'pass: matchResult?.pass ?? false,',
      'SASL_SCRAM_512_AUTH = "SASL_SCRAM_512_AUTH",',
      'static readonly FUSION_AUTH: OAuth2CredentialProviderVendor;',
      'lastSignificantToken = "?InterpolationInTemplate";',
      'grantType: "urn:ietf:params:oauth:grant-type:device_code"',
      '"AWS::AppFabric::AppAuthorization": "aws-cdk-lib/aws-appfabric.CfnAppAuthorization",',
      '"arn:aws:secretsmanager:ap-south-1:111122223333:secret:snowflake-XHb67j"',
      'url.parse("https://anonymous:flabada@developer.mozilla.org/")',
    ]) {
      expect(scan(text), text).toEqual([]);
    }
  });
});

describe('false-positive traps on ordinary text', () => {
  it('stays silent on prose, code, markdown, non-Latin scripts, emoji and base64 image data', () => {
    const traps = [
      'The quick brown fox jumps over the lazy dog. It cost $1,234.56 on 2024-01-15 (order #123456789).',
      '机器学习是人工智能的一个分支。密码学很重要：密钥必须保密。',
      'تعلم الآلة هو فرع من فروع الذكاء الاصطناعي، وكلمة المرور يجب أن تكون قوية.',
      'मशीन लर्निंग कृत्रिम बुद्धिमत्ता की एक शाखा है। पासवर्ड: मजबूत रखें।',
      'Машинное обучение — раздел ИИ. Пароль: надёжный, токен: случайный.',
      '👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs, 1️⃣2️⃣3️⃣ keycaps',
      'commit 3f1c2b9e8d7a6c5b4a39281706f5e4d3c2b1a098\nsha512-' + random(86, BASE64) + '==',
      'id = 550e8400-e29b-41d4-a716-446655440000; build 10.0.19041.1; md5 d41d8cd98f00b204e9800998ecf8427e',
      `<img src="data:image/png;base64,${random(600, BASE64)}=">`,
      '```python\nfor i in range(10):\n    total += items[i].price\n```',
      'Messages use the template <|im_start|>user\\nHello<|im_end|>; set eos_token and pad_token in tokenizer_config.json.',
      'In the ChatML format, the system: role comes first, then user: and assistant: turns; token: counts matter.',
      'kubectl create secret generic db-creds --from-literal=username=admin --from-file=password=./pw.txt',
      'See https://example.com/docs?page=2&sort=asc#section-3 and ftp://mirror.example.org/pub',
    ];
    for (const t of traps) expect(scan(t), t.slice(0, 60)).toEqual([]);
  });

  it('handles empty text and text ending mid-pattern', () => {
    expect(scan('')).toEqual([]);
    expect(scan('api_key =')).toEqual([]);
    expect(scan('password: "unterminated')).toEqual([]);
    expect(scan('-----BEGIN PRIVATE KEY-----')).toEqual([]);
    expect(scan('postgres://')).toEqual([]);
    expect(scan('eyJ')).toEqual([]);
  });
});
