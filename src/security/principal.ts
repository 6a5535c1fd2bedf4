/** Who a request is made by: a user of the security section, the subject of a token, or an anonymous caller. */
import type { Role } from './roles';

/** Who a request is made by. */
export interface Principal {
  /** Undefined for an anonymous request. */
  user?: string;
  roles: readonly Role[];
  /** Only these applications; all when undefined. */
  applications?: readonly string[];
  /**
   * Only these partitions of these kinds (kind name -> `where` expressions, as configured or claimed by a
   * token); undefined: every row its roles reach. What it grants is scope.ts's to say.
   */
  partitions?: Readonly<Record<string, readonly string[]>>;
}
