// Errors with stable codes; messages name the file, byte offset, interface or link type involved.

/** Every error this package throws: `instanceof PcapError`, then switch on `code`. */
export abstract class PcapError extends Error {
  abstract readonly code: string;
}

/** The bytes are not a pcap file (wrong magic number, or pcapng). */
export class PcapFormatError extends PcapError {
  readonly code = 'PCAP_NOT_PCAP';
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source} is not a pcap file: ${detail}`);
    this.name = 'PcapFormatError';
  }
}

/** The file ends in the middle of a header or a packet. */
export class PcapTruncatedError extends PcapError {
  readonly code = 'PCAP_TRUNCATED';
  constructor(
    readonly source: string,
    readonly offset: number,
    what: string,
  ) {
    super(`${source} is truncated: ${what} at byte ${offset} runs past the end of the file`);
    this.name = 'PcapTruncatedError';
  }
}

/** A link type this package cannot decode (the file itself may be fine). */
export class PcapLinkTypeError extends PcapError {
  readonly code = 'PCAP_UNSUPPORTED_LINKTYPE';
  constructor(readonly linkType: number) {
    super(`link type ${linkType} is not supported (Ethernet 1, raw IP 101, Linux cooked 113/276, null 0 and loop 108 are)`);
    this.name = 'PcapLinkTypeError';
  }
}

/** A live capture could not start or read (socket, bind, interface). */
export class CaptureError extends PcapError {
  readonly code = 'PCAP_CAPTURE_FAILED';
  constructor(
    readonly iface: string,
    operation: string,
    readonly errnoName: string,
  ) {
    super(`capture on ${iface}: ${operation} failed with ${errnoName}`);
    this.name = 'CaptureError';
  }
}
