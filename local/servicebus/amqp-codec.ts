/**
 * The small part of AMQP 1.0 type encoding (OASIS AMQP 1.0, part 1) the broker reads and writes
 * itself, so that message sections can be kept as the sender encoded them and passed on byte for
 * byte: values are skipped by their constructor and size without being decoded.
 */

export class AmqpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AmqpDecodeError";
  }
}

function need(buffer: Buffer, offset: number, length: number): void {
  if (offset + length > buffer.length) {
    throw new AmqpDecodeError(`truncated AMQP value: need ${length} bytes at ${offset} of ${buffer.length}`);
  }
}

/** Offset just past the encoded value (constructor included) that starts at `offset`. */
export function skipValue(buffer: Buffer, offset: number): number {
  need(buffer, offset, 1);
  const code = buffer[offset] ?? 0;
  if (code === 0x00) return skipValue(buffer, skipValue(buffer, offset + 1));
  const position = offset + 1;
  let end: number;
  switch (code >> 4) {
    case 0x4:
      return position;
    case 0x5:
      end = position + 1;
      break;
    case 0x6:
      end = position + 2;
      break;
    case 0x7:
      end = position + 4;
      break;
    case 0x8:
      end = position + 8;
      break;
    case 0x9:
      end = position + 16;
      break;
    case 0xa:
    case 0xc:
    case 0xe:
      need(buffer, position, 1);
      end = position + 1 + (buffer[position] ?? 0);
      break;
    case 0xb:
    case 0xd:
    case 0xf:
      need(buffer, position, 4);
      end = position + 4 + buffer.readUInt32BE(position);
      break;
    default:
      throw new AmqpDecodeError(`unknown AMQP type code 0x${code.toString(16)} at ${offset}`);
  }
  need(buffer, end, 0);
  return end;
}

/** A described value's descriptor (numeric code or symbol) and where its value starts. */
export function readDescriptor(
  buffer: Buffer,
  offset: number,
): { descriptor: number | string; valueOffset: number } {
  need(buffer, offset, 2);
  if (buffer[offset] !== 0x00) throw new AmqpDecodeError(`expected a described value at ${offset}`);
  const decoded = readScalar(buffer, offset + 1);
  const { value } = decoded;
  if (value.type === "ulong") return { descriptor: value.value, valueOffset: decoded.end };
  if (value.type === "symbol") return { descriptor: value.value, valueOffset: decoded.end };
  throw new AmqpDecodeError(`unsupported descriptor type ${value.type} at ${offset}`);
}

/** Start and end offsets of each element of a list or map (a map's keys and values alternate). */
export function compoundElements(
  buffer: Buffer,
  offset: number,
): { elements: [number, number][]; end: number } {
  need(buffer, offset, 1);
  const code = buffer[offset] ?? 0;
  let count: number;
  let position: number;
  if (code === 0x45) return { elements: [], end: offset + 1 };
  if (code === 0xc0 || code === 0xc1) {
    need(buffer, offset, 3);
    count = buffer[offset + 2] ?? 0;
    position = offset + 3;
  } else if (code === 0xd0 || code === 0xd1) {
    need(buffer, offset, 9);
    count = buffer.readUInt32BE(offset + 5);
    position = offset + 9;
  } else {
    throw new AmqpDecodeError(`expected a list or map at ${offset}, found type code 0x${code.toString(16)}`);
  }
  const elements: [number, number][] = [];
  for (let index = 0; index < count; index++) {
    const end = skipValue(buffer, position);
    elements.push([position, end]);
    position = end;
  }
  return { elements, end: skipValue(buffer, offset) };
}

export type AmqpScalar =
  | { readonly type: "null" }
  | { readonly type: "boolean"; readonly value: boolean }
  | {
      readonly type: "ubyte" | "ushort" | "uint" | "ulong" | "byte" | "short" | "int" | "long" | "double";
      readonly value: number;
    }
  | { readonly type: "timestamp"; readonly value: number }
  | { readonly type: "string" | "symbol"; readonly value: string }
  | { readonly type: "binary" | "uuid"; readonly value: Buffer }
  | { readonly type: "other"; readonly code: number };

/** Decodes the primitive value at `offset`; compound, described and rarer types come back as "other". */
export function readScalar(buffer: Buffer, offset: number): { value: AmqpScalar; end: number } {
  const end = skipValue(buffer, offset);
  const code = buffer[offset] ?? 0;
  const at = offset + 1;
  const value = ((): AmqpScalar => {
    switch (code) {
      case 0x40:
        return { type: "null" };
      case 0x41:
        return { type: "boolean", value: true };
      case 0x42:
        return { type: "boolean", value: false };
      case 0x56:
        return { type: "boolean", value: buffer[at] === 1 };
      case 0x50:
        return { type: "ubyte", value: buffer.readUInt8(at) };
      case 0x60:
        return { type: "ushort", value: buffer.readUInt16BE(at) };
      case 0x43:
        return { type: "uint", value: 0 };
      case 0x52:
        return { type: "uint", value: buffer.readUInt8(at) };
      case 0x70:
        return { type: "uint", value: buffer.readUInt32BE(at) };
      case 0x44:
        return { type: "ulong", value: 0 };
      case 0x53:
        return { type: "ulong", value: buffer.readUInt8(at) };
      case 0x80:
        return { type: "ulong", value: Number(buffer.readBigUInt64BE(at)) };
      case 0x51:
        return { type: "byte", value: buffer.readInt8(at) };
      case 0x61:
        return { type: "short", value: buffer.readInt16BE(at) };
      case 0x54:
        return { type: "int", value: buffer.readInt8(at) };
      case 0x71:
        return { type: "int", value: buffer.readInt32BE(at) };
      case 0x55:
        return { type: "long", value: buffer.readInt8(at) };
      case 0x81:
        return { type: "long", value: Number(buffer.readBigInt64BE(at)) };
      case 0x82:
        return { type: "double", value: buffer.readDoubleBE(at) };
      case 0x83:
        return { type: "timestamp", value: Number(buffer.readBigInt64BE(at)) };
      case 0x98:
        return { type: "uuid", value: buffer.subarray(at, end) };
      case 0xa0:
        return { type: "binary", value: buffer.subarray(at + 1, end) };
      case 0xb0:
        return { type: "binary", value: buffer.subarray(at + 4, end) };
      case 0xa1:
        return { type: "string", value: buffer.toString("utf8", at + 1, end) };
      case 0xb1:
        return { type: "string", value: buffer.toString("utf8", at + 4, end) };
      case 0xa3:
        return { type: "symbol", value: buffer.toString("ascii", at + 1, end) };
      case 0xb3:
        return { type: "symbol", value: buffer.toString("ascii", at + 4, end) };
      default:
        return { type: "other", code };
    }
  })();
  return { value, end };
}

const NULL = Buffer.from([0x40]);
const TRUE = Buffer.from([0x41]);
const FALSE = Buffer.from([0x42]);

export function encodeNull(): Buffer {
  return NULL;
}

export function encodeBoolean(value: boolean): Buffer {
  return value ? TRUE : FALSE;
}

export function encodeUbyte(value: number): Buffer {
  return Buffer.from([0x50, value & 0xff]);
}

export function encodeUint(value: number): Buffer {
  if (value === 0) return Buffer.from([0x43]);
  if (value < 256) return Buffer.from([0x52, value]);
  const buffer = Buffer.allocUnsafe(5);
  buffer[0] = 0x70;
  buffer.writeUInt32BE(value, 1);
  return buffer;
}

export function encodeInt(value: number): Buffer {
  if (value >= -128 && value <= 127) {
    const small = Buffer.allocUnsafe(2);
    small[0] = 0x54;
    small.writeInt8(value, 1);
    return small;
  }
  const buffer = Buffer.allocUnsafe(5);
  buffer[0] = 0x71;
  buffer.writeInt32BE(value, 1);
  return buffer;
}

function encodeEightBytes(code: number, value: number): Buffer {
  const buffer = Buffer.allocUnsafe(9);
  buffer[0] = code;
  buffer.writeBigInt64BE(BigInt(Math.trunc(value)), 1);
  return buffer;
}

/** Always the eight-byte form: what Service Bus uses for sequence numbers. */
export function encodeLong(value: number): Buffer {
  return encodeEightBytes(0x81, value);
}

export function encodeTimestamp(milliseconds: number): Buffer {
  return encodeEightBytes(0x83, milliseconds);
}

export function encodeDouble(value: number): Buffer {
  const buffer = Buffer.allocUnsafe(9);
  buffer[0] = 0x82;
  buffer.writeDoubleBE(value, 1);
  return buffer;
}

function encodeVariable(smallCode: number, largeCode: number, bytes: Buffer): Buffer {
  if (bytes.length < 256) {
    const buffer = Buffer.allocUnsafe(2 + bytes.length);
    buffer[0] = smallCode;
    buffer[1] = bytes.length;
    bytes.copy(buffer, 2);
    return buffer;
  }
  const buffer = Buffer.allocUnsafe(5 + bytes.length);
  buffer[0] = largeCode;
  buffer.writeUInt32BE(bytes.length, 1);
  bytes.copy(buffer, 5);
  return buffer;
}

export function encodeString(value: string): Buffer {
  return encodeVariable(0xa1, 0xb1, Buffer.from(value, "utf8"));
}

export function encodeSymbol(value: string): Buffer {
  return encodeVariable(0xa3, 0xb3, Buffer.from(value, "ascii"));
}

export function encodeBinary(value: Buffer): Buffer {
  return encodeVariable(0xa0, 0xb0, value);
}

function encodeCompound(smallCode: number, largeCode: number, body: Buffer, count: number): Buffer {
  if (body.length + 1 < 256 && count < 256) {
    const buffer = Buffer.allocUnsafe(3 + body.length);
    buffer[0] = smallCode;
    buffer[1] = body.length + 1;
    buffer[2] = count;
    body.copy(buffer, 3);
    return buffer;
  }
  const buffer = Buffer.allocUnsafe(9 + body.length);
  buffer[0] = largeCode;
  buffer.writeUInt32BE(body.length + 4, 1);
  buffer.writeUInt32BE(count, 5);
  body.copy(buffer, 9);
  return buffer;
}

export function encodeList(items: readonly Buffer[]): Buffer {
  if (items.length === 0) return Buffer.from([0x45]);
  return encodeCompound(0xc0, 0xd0, Buffer.concat(items), items.length);
}

/** A map from already encoded keys and values, in order (`elementCount` counts keys and values). */
export function encodeMap(encodedElements: Buffer, elementCount: number): Buffer {
  return encodeCompound(0xc1, 0xd1, encodedElements, elementCount);
}

/** A value described by a small numeric descriptor (message sections are). */
export function encodeDescribed(code: number, value: Buffer): Buffer {
  const buffer = Buffer.allocUnsafe(3 + value.length);
  buffer[0] = 0x00;
  buffer[1] = 0x53;
  buffer[2] = code;
  value.copy(buffer, 3);
  return buffer;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/**
 * The AMQP encoding of a plain JavaScript value as the SDK's own encoder would choose it; undefined
 * for values Service Bus does not accept as an application property (objects, arrays).
 */
export function encodeJsValue(value: unknown): Buffer | undefined {
  if (value === null || value === undefined) return encodeNull();
  if (typeof value === "string") return encodeString(value);
  if (typeof value === "boolean") return encodeBoolean(value);
  if (typeof value === "bigint") return encodeLong(Number(value));
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return encodeDouble(value);
    return value >= INT_MIN && value <= INT_MAX ? encodeInt(value) : encodeLong(value);
  }
  if (value instanceof Date) return encodeTimestamp(value.getTime());
  if (Buffer.isBuffer(value)) return encodeBinary(value);
  if (value instanceof Uint8Array) return encodeBinary(Buffer.from(value));
  return undefined;
}
