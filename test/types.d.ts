// The reference Bitstring Status List implementation ships no types.
declare module '@digitalbazaar/vc-bitstring-status-list' {
  export interface StatusList {
    length: number;
    getStatus(index: number): boolean;
    setStatus(index: number, status: boolean): void;
    encode(): Promise<string>;
  }
  export function decodeList(options: { encodedList: string }): Promise<StatusList>;
  export function createList(options: { length: number }): Promise<StatusList>;
}
