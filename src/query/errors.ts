/** A problem in a query parameter, with the 1-based position in its text that it is about. */
export class QueryError extends Error {
  constructor(
    readonly parameter: 'where' | 'orderBy' | 'select' | 'include',
    readonly position: number,
    readonly problem: string,
  ) {
    super(`${parameter}: ${problem} at position ${position}`);
    this.name = 'QueryError';
  }
}
