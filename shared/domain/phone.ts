/** Mainland mobile numbers: 11 digits starting 13–19. */
export function isMobileNumber(value: string): boolean {
  return /^1[3-9]\d{9}$/.test(value);
}
