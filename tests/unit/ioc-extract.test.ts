import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractIndicators, MAX_FOUND } from '../../src/reports/ioc-extract.js';
import { isPublicAddress } from '../../src/reports/ioc-judgement.js';

const EICAR = { md5: '44d88612fea8a8f36de82e1278abb02f', sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' };
const DLL = { sha1: '44392b16e2db656104579e83d603b363bf91ccb2', sha256: '4bc00f7d638e042da764e8648c03c0db46700599dd4f08d117e3e9e8b538519b' };

const values = async (text: string) => (await extractIndicators(text)).found.map((f) => `${f.type}:${f.value}`);
const ignoredOf = async (text: string) => new Map((await extractIndicators(text)).ignored.map((i) => [i.text, i.reason]));

describe('extractIndicators', () => {
  test('when a real threat-report paragraph is read, then every hash, domain, IP and URL host comes out once, in order, and the noise does not', async () => {
    // Arrange: written the way vendor reports and analyst tickets write them.
    const paragraph = `
      On 2024-03-12 the actor sent invoices from billing@acme-payments.com with a link to
      hxxps://tawuhoju[.]com/download/${EICAR.sha256}.exe (also seen as hxxp://tawuhoju[.]com/invoice.zip).
      The dropper (MD5 ${EICAR.md5.toUpperCase()}, SHA-256 ${EICAR.sha256}) writes
      C:\\Users\\Public\\${DLL.sha1}.dll, a DLL detected as W32/Dllhijacker.DG!tr, and beacons to
      185.220.101[.]47:443 and 45.9.148.114 every 60 s. Persistence uses version 1.2.3.4.5 of the loader;
      the lure is report.pdf, sometimes delivered as invoice.zip. C2 fallback: update-check[.]net and
      "cdn.example-cdn.co.uk". Internal hosts 10.0.0.5 and 192.168.1.20 were scanned, e.g. from
      fileserver.corp. See https://www.virustotal.com/gui/file/${DLL.sha256}/detection for details.`;

    // Act
    const result = await extractIndicators(paragraph);

    // Assert
    assert.deepEqual(result.found.map((f) => `${f.type}:${f.value}`), [
      'domain:tawuhoju.com',
      `sha256:${EICAR.sha256}`,
      `md5:${EICAR.md5}`,
      `sha1:${DLL.sha1}`,
      'ip:185.220.101.47',
      'ip:45.9.148.114',
      'domain:update-check.net',
      'domain:cdn.example-cdn.co.uk',
      'domain:www.virustotal.com',
      `sha256:${DLL.sha256}`,
    ]);
    const tawuhoju = result.found[0];
    assert.deepEqual(tawuhoju?.seenAs, [`hxxps://tawuhoju[.]com/download/${EICAR.sha256}.exe`, 'hxxp://tawuhoju[.]com/invoice.zip'], 'the URLs are shown as written');
    const ignored = new Map(result.ignored.map((i) => [i.text, i.reason]));
    assert.match(ignored.get('1.2.3.4.5') ?? '', /version number/);
    assert.match(ignored.get('report.pdf') ?? '', /no public suffix/);
    assert.match(ignored.get('invoice.zip') ?? '', /file name/);
    assert.match(ignored.get('10.0.0.5') ?? '', /private/);
    assert.match(ignored.get('192.168.1.20') ?? '', /private/);
    assert.match(ignored.get('billing@acme-payments.com') ?? '', /email address/);
    assert.ok(!ignored.has('e.g'), 'abbreviations are not worth listing');
  });

  test('when values are defanged in every common way, then each is refanged', async () => {
    assert.deepEqual(await values('evil[.]com evil2(.)com evil3{.}com evil4[dot]com hxxp[://]evil5[.]com/x fxp://evil6[.]org 1.2.3[.]4 8.8.8(.)8'), [
      'domain:evil.com', 'domain:evil2.com', 'domain:evil3.com', 'domain:evil4.com', 'domain:evil5.com', 'domain:evil6.org', 'ip:1.2.3.4', 'ip:8.8.8.8',
    ]);
  });

  test('when a value appears in several forms, then it is one value with its forms listed', async () => {
    const [found] = (await extractIndicators(`tawuhoju.com, TAWUHOJU.COM; tawuhoju[.]com https://tawuhoju.com/a`)).found;
    assert.equal(found?.value, 'tawuhoju.com');
    assert.deepEqual(found?.seenAs, ['tawuhoju.com', 'TAWUHOJU.COM', 'tawuhoju[.]com'], 'three forms at most');
    assert.equal((await extractIndicators(`${EICAR.md5} ${EICAR.md5.toUpperCase()}`)).found.length, 1);
  });

  test('when hashes sit inside URLs, paths and key=value pairs, then they are found; inside longer hex or words, they are not', async () => {
    assert.deepEqual(await values(`https://host.example.com/files/${EICAR.md5}/get`), ['domain:host.example.com', `md5:${EICAR.md5}`]);
    assert.deepEqual(await values(`/tmp/${EICAR.md5}.bin`), [`md5:${EICAR.md5}`]);
    assert.deepEqual(await values(`md5=${EICAR.md5} dst=45.9.148.114`), [`md5:${EICAR.md5}`, 'ip:45.9.148.114']);
    assert.deepEqual(await values(`sample_${EICAR.md5}.exe`), [`md5:${EICAR.md5}`]);
    assert.deepEqual(await values(`${EICAR.sha256}${EICAR.sha256}`), [], 'a SHA-512-length run is no SHA-256');
    assert.deepEqual(await values(`x${EICAR.md5}`), [], 'a hash glued to a word is not a hash');
    assert.match((await ignoredOf(`${EICAR.sha256}${EICAR.sha256}`)).get(`${EICAR.sha256}${EICAR.sha256}`) ?? '', /hex of 128 characters/);
  });

  test('what must not match: version numbers, file names, private addresses, networks, bare words', async () => {
    assert.deepEqual(await values('1.2.3.4.5 v2.10.1 report.pdf notepad.exe setup.py run.sh localhost 10.0.0.0/8 127.0.0.1 ::1 12:30:45 3.14 hello'), []);
  });

  test('when a file-extension domain is defanged or has a path, then it is taken as a domain', async () => {
    assert.deepEqual(await values('invoice[.]zip hxxp://payload.zip/x'), ['domain:invoice.zip', 'domain:payload.zip']);
  });

  test('when the text names more values than a report takes, then extraction stops there and says so', async () => {
    const text = Array.from({ length: MAX_FOUND + 5 }, (_, i) => `h${i}.example.com`).join(' ');
    const result = await extractIndicators(text);
    assert.equal(result.found.length, MAX_FOUND);
    assert.equal(result.truncated, true);
  });

  test('isPublicAddress: reserved ranges out, public addresses in', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '224.0.0.1', '255.255.255.255', '0.0.0.0', '192.0.2.1', 'fe80::1', 'fd00::1', '2001:db8::1', '::1']) {
      assert.equal(isPublicAddress(ip), false, ip);
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '185.220.101.47', '2606:4700:4700::1111']) assert.equal(isPublicAddress(ip), true, ip);
  });
});
