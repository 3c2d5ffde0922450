// What the notes' Python echo pair uses, in one place, and how the apps print bytes.

/** The test message the notes' client sends (103 bytes of ASCII). */
export const notesMessage = 'This is a Message, to be sent for a test. Every time sent 16 byte until all messages has been sent all.';

/** The notes' server binds ('localhost', 2048). */
export const notesPort = 2048;

/** The notes' server reads with connection.recv(16). */
export const notesReadSize = 16;

/** Show bytes the way Python 2 printed them: printable ASCII as is, anything else as \xNN. */
export function quote(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) {
    text +=
      byte === 0x22 || byte === 0x5c
        ? `\\${String.fromCharCode(byte)}`
        : byte >= 0x20 && byte < 0x7f
          ? String.fromCharCode(byte)
          : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `"${text}"`;
}
