import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { failed } from './envelope'
import { requestIdFrom } from './request-id'

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (oversized headers, broken
 * request lines, control characters, bad lengths) with the same envelope as every other error.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not complete in time.']
        : [400, 'The request is not valid HTTP.']
  const requestId = requestIdFrom(undefined)
  const body = JSON.stringify(failed(requestId, { status, code: 'VALIDATION_ERROR', message }))
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-ID: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy(error)
}
