/** The host of a `host:port` address (`[::1]:9300` gives `::1`), as node listings print it. */
export function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}
