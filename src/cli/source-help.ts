/** The one description of what a SOURCE argument may be, shared by every command's --help. */
export const SOURCE_HELP =
  'an archive or OCI layout path, docker-archive:PATH, oci:DIR, oci-archive:PATH, docker-daemon:NAME[:TAG], docker://REF, or - for standard input; PATH:NAME:TAG or PATH:@N picks one image';
