/** Why a download with fetch() failed, in a few words a person can act on ("no network connection"). */
export function fetchFailureReason(err: unknown): string {
  const cause = ((err as { cause?: unknown })?.cause ?? err) as (NodeJS.ErrnoException & { reason?: string }) | undefined;
  const code = cause?.code ?? '';
  switch (code) {
    case 'EAI_AGAIN':
    case 'ENETUNREACH':
    case 'ENETDOWN':
    case 'EHOSTUNREACH':
      return 'no network connection';
    case 'ENOTFOUND':
      return 'the server’s name could not be found (no network connection, or a wrong address)';
    case 'ECONNREFUSED':
      return 'the server refused the connection';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'the server did not answer in time';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return 'the connection was cut';
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return 'the server’s certificate could not be checked (is the computer’s clock right?)';
  return cause?.message || 'the download failed';
}

/** The host of an address, for a message ("channels.nixos.org"). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
