// VirusTotal names its errors by class (`WrongCredentialsError`); analysts read sentences. Every
// message a user sees about a VirusTotal answer takes its words from here, never the code.

const PLAIN: Record<string, string> = {
  WrongCredentialsError: 'the key is incorrect',
  AuthenticationRequiredError: 'no key was sent',
  UserNotActiveError: 'the account the key belongs to is not activated',
  ForbiddenError: 'the key is not allowed to do this',
  QuotaExceededError: "the key's quota is used up",
  TooManyRequestsError: 'too many requests were sent at once',
  NotFoundError: 'VirusTotal has no record of it',
  BadRequestError: 'VirusTotal found the request malformed',
  InvalidArgumentError: 'VirusTotal found part of the request invalid',
  NotAvailableYet: 'the answer is not available yet',
  UnselectiveContentQueryError: 'the search is not selective enough',
  UnsupportedContentQueryError: 'the search is not supported',
  AlreadyExistsError: 'it exists already',
  FailedDependencyError: 'a request this depends on failed',
  TransientError: 'VirusTotal had a passing error',
  DeadlineExceededError: 'VirusTotal took too long to answer',
};

/** What a VirusTotal error code means, in words; by the HTTP status when the code is unknown or absent. */
export function plainVtError(code: string | null | undefined, status?: number): string {
  const known = code ? PLAIN[code] : undefined;
  if (known) return known;
  if (status === 401) return 'the key was refused';
  if (status === 403) return 'the key is not allowed to do this';
  if (status === 429) return "the key's quota is used up";
  if (status !== undefined && status >= 500) return 'VirusTotal had a server error';
  return 'VirusTotal refused the request';
}
