/// <reference types="node" preserve="true" />
// What the send calls (Socket.send, sockSendall, Transport.write, sendto) take: bytes, or a
// string sent as UTF-8. Node-side because a string becomes a Buffer, which Node writes as is.
import { expected } from "../checks.js";

/** Uint8Array (or string as UTF-8) to send. @internal */
export function toBytes(call: string, data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw expected(call, "data to be bytes (a Uint8Array) or a string", data);
}
