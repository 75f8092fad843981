// Draws the app icon (a white "G" monogram on a blue rounded square) and writes
// resources/icon.png (512×512, macOS/Linux) and resources/icon.ico (16–256 px, Windows).
// No image library: shapes are sampled 4×4 per pixel for smooth edges, PNG via zlib.
// Run: node resources/make-icons.mjs
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'

const here = path.dirname(fileURLToPath(import.meta.url))
const TOP = [37, 99, 235] // #2563eb
const BOTTOM = [30, 58, 138] // #1e3a8a
const SAMPLES = 4

/** Shapes in a 512-unit design space. */
function insideTile(x, y) {
  const inset = 16
  const radius = 104
  const min = inset
  const max = 512 - inset
  if (x < min || x > max || y < min || y > max) return false
  const cx = Math.min(Math.max(x, min + radius), max - radius)
  const cy = Math.min(Math.max(y, min + radius), max - radius)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
}

function insideMonogram(x, y) {
  const c = 256
  const outer = 156
  const inner = 102
  const dx = x - c
  const dy = c - y // y up
  const r = Math.hypot(dx, dy)
  const angle = (Math.atan2(dy, dx) * 180) / Math.PI // -180..180, 0 = right
  const ring = r <= outer && r >= inner && !(angle > 0 && angle < 42)
  const bar = x >= c + 4 && x <= c + outer - 2 && y >= c - 2 && y <= c + 52 && r <= outer
  return ring || bar
}

/** RGBA pixels of the icon at `size`×`size`. */
function render(size) {
  const pixels = Buffer.alloc(size * size * 4)
  const scale = 512 / size
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let tile = 0
      let mark = 0
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) * scale
          const y = (py + (sy + 0.5) / SAMPLES) * scale
          if (insideTile(x, y)) {
            tile++
            if (insideMonogram(x, y)) mark++
          }
        }
      }
      const n = SAMPLES * SAMPLES
      const t = py / (size - 1)
      const base = TOP.map((top, i) => top + (BOTTOM[i] - top) * t)
      const white = mark / Math.max(tile, 1)
      const o = (py * size + px) * 4
      for (let i = 0; i < 3; i++) pixels[o + i] = Math.round(base[i] + (255 - base[i]) * white)
      pixels[o + 3] = Math.round((255 * tile) / n)
    }
  }
  return pixels
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buffer) {
  let c = 0xffffffff
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

function png(size) {
  const rgba = render(size)
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** A 32-bit BMP (DIB) icon entry: bottom-up BGRA rows, then an all-zero AND mask (alpha decides). */
function dib(size) {
  const rgba = render(size)
  const header = Buffer.alloc(40)
  header.writeUInt32LE(40, 0)
  header.writeInt32LE(size, 4)
  header.writeInt32LE(size * 2, 8) // colour + mask
  header.writeUInt16LE(1, 12)
  header.writeUInt16LE(32, 14)
  const pixels = Buffer.alloc(size * size * 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = (y * size + x) * 4
      const to = ((size - 1 - y) * size + x) * 4
      pixels[to] = rgba[from + 2]
      pixels[to + 1] = rgba[from + 1]
      pixels[to + 2] = rgba[from]
      pixels[to + 3] = rgba[from + 3]
    }
  }
  const maskRow = Math.ceil(size / 32) * 4
  return Buffer.concat([header, pixels, Buffer.alloc(maskRow * size)])
}

function ico(sizes) {
  const images = sizes.map((size) => ({ size, data: size >= 256 ? png(size) : dib(size) }))
  const head = Buffer.alloc(6)
  head.writeUInt16LE(1, 2) // type: icon
  head.writeUInt16LE(images.length, 4)
  let offset = 6 + 16 * images.length
  const entries = images.map(({ size, data }) => {
    const entry = Buffer.alloc(16)
    entry[0] = size >= 256 ? 0 : size
    entry[1] = size >= 256 ? 0 : size
    entry.writeUInt16LE(1, 4) // planes
    entry.writeUInt16LE(32, 6) // bits per pixel
    entry.writeUInt32LE(data.length, 8)
    entry.writeUInt32LE(offset, 12)
    offset += data.length
    return entry
  })
  return Buffer.concat([head, ...entries, ...images.map((i) => i.data)])
}

fs.writeFileSync(path.join(here, 'icon.png'), png(512))
fs.writeFileSync(path.join(here, 'icon.ico'), ico([16, 24, 32, 48, 64, 128, 256]))
console.warn('wrote resources/icon.png and resources/icon.ico')
