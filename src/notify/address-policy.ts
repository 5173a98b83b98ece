// Where a webhook may point. Loopback, link-local and private ranges (and the
// addresses that are never a receiver: unspecified, multicast, reserved) are
// refused unless the config allows that class, so a subscription cannot make
// the broker call into its own network. Checked twice: on the URL when a
// subscription is created or changed (literal addresses and localhost), and
// on every address a host name resolves to when a delivery connects (a name
// may point anywhere, and may change).

import { BlockList, isIP } from 'node:net';
import type { NetworkClass } from './config.js';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');

const privateNets = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['198.18.0.0', 15]] as const) privateNets.addSubnet(net, bits, 'ipv4');
privateNets.addSubnet('fc00::', 7, 'ipv6');

// Never a receiver, whatever the config: "this network", multicast, reserved, broadcast.
const never = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) never.addSubnet(net, bits, 'ipv4');
never.addAddress('::', 'ipv6');
never.addSubnet('ff00::', 8, 'ipv6');

export type AddressClass = NetworkClass | 'public' | 'never';

/** The class of an IP address (IPv4-mapped IPv6 addresses as their IPv4 address). */
export function addressClass(address: string): AddressClass {
  let a = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1];
  const family = isIP(a) === 6 ? 'ipv6' : 'ipv4';
  if (never.check(a, family)) return 'never';
  if (loopback.check(a, family)) return 'loopback';
  if (linkLocal.check(a, family)) return 'link-local';
  if (privateNets.check(a, family)) return 'private';
  return 'public';
}

/** Why an address may not be called, or null when it may. */
export function refuseAddress(address: string, allow: readonly NetworkClass[]): string | null {
  const c = addressClass(address);
  if (c === 'public') return null;
  if (c === 'never') return `${address} is not a receiver's address`;
  if (allow.includes(c)) return null;
  return `${address} is a ${c} address, refused unless the config's notify.allowNetworks includes '${c}'`;
}

/** Checks a receiver URL as given: scheme, and the host when it is an address or localhost. Returns why not, or null. */
export function refuseUrl(text: string, allow: readonly NetworkClass[]): string | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `must be http:// or https://, got ${u.protocol}`;
  if (u.username || u.password) return 'must not carry a user name or password';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return refuseAddress(host, allow);
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return refuseAddress('127.0.0.1', allow);
  return null;
}
