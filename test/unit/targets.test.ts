import { CoreError } from '../../lambdas/core/errors';
import {
  DEFAULT_TARGET_URLS,
  parseResolve,
  parseTarget,
  parseTargets,
  pinnedAddresses,
} from '../../lambdas/core/targets';

describe('parseTarget', () => {
  it.each([
    ['smtp://aspmx.l.google.com', 'smtp://aspmx.l.google.com:25', 'starttls', 25],
    ['smtps://smtp.gmail.com', 'smtps://smtp.gmail.com:465', 'implicit', 465],
    ['smtp://smtp.gmail.com:587', 'smtp://smtp.gmail.com:587', 'starttls', 587],
    ['SMTP://MX.Example.COM.:2525', 'smtp://mx.example.com:2525', 'starttls', 2525],
    ['mx.example.com', 'smtp://mx.example.com:25', 'starttls', 25],
    ['smtp://127.0.0.2:2525', 'smtp://127.0.0.2:2525', 'starttls', 2525],
    ['smtps://[::1]:4650', 'smtps://[::1]:4650', 'implicit', 4650],
    ['smtp://b\u00fccher.\u4f8b\u3048.jp', 'smtp://xn--bcher-kva.xn--r8jz45g.jp:25', 'starttls', 25],
  ])('reads %s as %s', (input, url, mode, port) => {
    // Act
    const target = parseTarget(input);

    // Assess
    expect(target).toMatchObject({ url, mode, port });
  });

  it.each([
    ['', 'empty target'],
    ['https://mx.example.com', 'scheme "https" is not supported'],
    ['smtp://mx.example.com:0', 'port must be 1-65535'],
    ['smtp://mx.example.com:70000', 'port 70000 is out of range (port must be 1-65535)'],
    ['smtp://mx.example.com:2x', 'port "2x" is not a number'],
    ['smtp://::1', 'an IPv6 address is written in brackets'],
    ['smtp://b\u00fc..jp', '"b\u00fc..jp" (A-label "xn--b-eha..jp") is not a valid host name'],
    ['smtp://user@mx.example.com', 'scheme://host[:port] only'],
    ['smtp://mx.example.com/path', 'scheme://host[:port] only'],
    ['smtp://bad_host!:25', 'not a valid host name'],
  ])('rejects %j with a message saying why', (input, message) => {
    // Act
    const act = () => parseTarget(input);

    // Assess
    expect(act).toThrow(CoreError);
    expect(act).toThrow(message);
  });
});

describe('parseTargets', () => {
  it('gives the Google set when no target is named', () => {
    // Act
    const targets = parseTargets([]);

    // Assess
    expect(targets.map((t) => t.url)).toEqual(DEFAULT_TARGET_URLS);
    expect(targets.map((t) => t.host)).toEqual(
      expect.arrayContaining(['aspmx.l.google.com', 'smtp-relay.gmail.com', 'smtp.gmail.com']),
    );
  });

  it('drops a target named twice in different spellings', () => {
    // Act
    const targets = parseTargets(['smtp://MX.example.com', 'smtp://mx.example.com:25']);

    // Assess
    expect(targets).toHaveLength(1);
  });
});

describe('parseResolve', () => {
  it('reads curl form with several addresses, IPv6 in brackets', () => {
    // Act
    const pin = parseResolve('mx.example.com:25:127.0.0.2,[::1],127.0.0.2');

    // Assess
    expect(pin).toEqual({ host: 'mx.example.com', port: 25, addresses: ['127.0.0.2', '::1'] });
  });

  it.each(['mx.example.com:25', 'mx.example.com:x:127.0.0.1', 'mx.example.com:25:not-an-ip'])('rejects %j', (input) => {
    // Act / Assess: the message names the pin (the reader of each spelling adds --resolve or CERTWATCH_RESOLVE)
    expect(() => parseResolve(input)).toThrow(`"${input}"`);
  });

  it('pins only the matching host and port', () => {
    // Prepare
    const pins = [parseResolve('mx.example.com:25:127.0.0.2'), parseResolve('mx.example.com:587:127.0.0.3')];

    // Act / Assess
    expect(pinnedAddresses(parseTarget('smtp://mx.example.com'), pins)).toEqual(['127.0.0.2']);
    expect(pinnedAddresses(parseTarget('smtp://other.example.com'), pins)).toBeUndefined();
  });
});
