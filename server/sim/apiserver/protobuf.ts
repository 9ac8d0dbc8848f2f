// Placeholder replaced below.
import { errors } from './status.ts';
export function decodeProtobufObject(_body: Buffer): unknown {
  throw errors.unsupportedMediaType('application/vnd.kubernetes.protobuf');
}
