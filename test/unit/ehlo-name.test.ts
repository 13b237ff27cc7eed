import { parseEhloName } from '../../lambdas/core/ehlo-name';
import { CoreError } from '../../lambdas/core/errors';

describe('parseEhloName', () => {
  it.each([
    ['mail.example.com', 'mail.example.com'],
    ['mail.example.com.', 'mail.example.com'],
    ['192.0.2.7', '[192.0.2.7]'],
    ['[192.0.2.7]', '[192.0.2.7]'],
    ['2001:db8::1', '[IPv6:2001:db8::1]'],
    ['[IPv6:2001:db8::1]', '[IPv6:2001:db8::1]'],
  ])('accepts %j as %j', (input, expected) => {
    // Act / Assess
    expect(parseEhloName(input)).toBe(expected);
  });

  it.each([
    'x\r\nMAIL FROM:<a@b>',
    'two words',
    'under_score.example',
    '[300.1.1.1]',
    '[IPv6:192.0.2.1]',
    '',
    '-lead.example',
  ])('refuses %j', (input) => {
    // Act
    const act = () => parseEhloName(input);

    // Assess
    expect(act).toThrow(CoreError);
    expect(act).toThrow(/expected a domain .* or an address literal/);
  });
});
