/** Start-up failures that are the operator's to fix (the CLI prints them and exits 78). */
export class NodeStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeStartError';
  }
}
