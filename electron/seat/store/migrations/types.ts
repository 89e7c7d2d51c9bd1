/** One numbered schema step. `up` is SQL run inside the migration's transaction. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}
