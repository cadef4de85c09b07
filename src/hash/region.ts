/** Where bytes lie in a real file: what the hashing and copy threads read, whatever kind of tree the file is in. */
export interface FileRegion {
  file: string;
  offset: number;
  size: number;
}
