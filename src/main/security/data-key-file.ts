/**
 * The exported data key file: the 32-byte data key encrypted with the operator's passphrase, so that every host of one
 * shared database can be given the same key without it ever being stored in the database.
 *
 * Format (UTF-8 JSON, version 1):
 *   { format: "gologin-panel-data-key", version: 1, about, keyId, createdAt,
 *     kdf: { name: "scrypt", N, r, p, salt }, cipher: { name: "aes-256-gcm", iv, tag }, passphraseCheck, ciphertext }
 * scrypt(NFC(passphrase), salt, N, r, p) gives 64 bytes: the first 32 are the AES-256-GCM key, the last 32 an HMAC key
 * whose tag over a fixed label is `passphraseCheck` (so a wrong passphrase is told apart from an altered file). The
 * header (format, version, keyId, createdAt, kdf, cipher name and iv) is the GCM additional data: changing any of it
 * fails authentication. Binary fields are base64.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { ValidationException } from '../../shared/errors'
import { SecretBox } from './secret-box'

export const DATA_KEY_FILE_FORMAT = 'gologin-panel-data-key' as const
export const DATA_KEY_FILE_VERSION = 1 as const
/** An exported key file is a few hundred bytes; anything far larger is not one. */
export const DATA_KEY_FILE_MAX_BYTES = 64 * 1024

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number
  r: number
  p: number
}

/** 2^17 × 8 × 128 bytes = 128 MiB and about half a second per derivation: OWASP's scrypt recommendation. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }
/** What a file may ask for: weaker is not a file this panel wrote, stronger would exhaust memory. */
const MIN_N = 2 ** 14
const MAX_N = 2 ** 20
const MAX_MEMORY_BYTES = 256 * 1024 * 1024
/**
 * What a file may make the panel spend before it is authenticated: no more than the panel's own exports (each of N, r
 * and p). A crafted file asking for N=2^20 or p=16 would cost seconds and 256 MiB per attempt; it is refused unopened.
 */
export const MAX_OPEN_SCRYPT: ScryptParams = DEFAULT_SCRYPT

/** scrypt(passphrase, salt) → 64 bytes; tests inject one to see whether any derivation ran. */
export type KeyDerivation = (passphrase: string, salt: Buffer, params: ScryptParams) => Promise<Buffer>

const KEY_BYTES = 32
const SALT_BYTES = 16
const IV_BYTES = 12
const TAG_BYTES = 16
const CHECK_BYTES = 16
const CHECK_LABEL = 'gologin-panel-data-key/v1/passphrase-check'
/** How every file this panel writes begins, without white space. */
const FILE_START = `{"format":"${DATA_KEY_FILE_FORMAT}","version":`

export interface DataKeyFile {
  format: typeof DATA_KEY_FILE_FORMAT
  version: typeof DATA_KEY_FILE_VERSION
  about: string
  keyId: string
  createdAt: string
  kdf: { name: 'scrypt'; salt: string } & ScryptParams
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string }
  passphraseCheck: string
  ciphertext: string
}

/** Why a key file could not be opened; each has its own message. */
export type DataKeyFileProblem = 'not_a_key_file' | 'unsupported_version' | 'truncated' | 'damaged' | 'too_costly' | 'wrong_passphrase' | 'tampered'

export class DataKeyFileError extends ValidationException {
  constructor(
    readonly problem: DataKeyFileProblem,
    message: string,
  ) {
    super(message, { reason: problem })
  }
}

export interface OpenedDataKeyFile {
  key: Buffer
  keyId: string
  createdAt: string
  kdf: ScryptParams
}

/** Encrypts `key` with `passphrase` into the text of a key file. The passphrase's strength is the caller's check. */
export async function sealDataKeyFile(key: Buffer, passphrase: string, options: { scrypt?: ScryptParams; now?: Date } = {}): Promise<string> {
  if (key.length !== KEY_BYTES) throw new Error(`The data key must be ${KEY_BYTES} bytes`)
  const params = options.scrypt ?? DEFAULT_SCRYPT
  assertParams(params)
  const salt = randomBytes(SALT_BYTES)
  const iv = randomBytes(IV_BYTES)
  const header = {
    format: DATA_KEY_FILE_FORMAT,
    version: DATA_KEY_FILE_VERSION,
    keyId: new SecretBox(key).keyId,
    createdAt: (options.now ?? new Date()).toISOString(),
    kdf: { name: 'scrypt' as const, N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') },
  }
  const derived = await derive(passphrase, salt, params)
  try {
    const cipher = createCipheriv('aes-256-gcm', derived.subarray(0, KEY_BYTES), iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(additionalData(header, iv.toString('base64')))
    const ciphertext = Buffer.concat([cipher.update(key), cipher.final()])
    const file: DataKeyFile = {
      format: header.format,
      version: header.version,
      about:
        'The data key of a GoLogin Automation Panel database, encrypted with a passphrase. Import it on another host of the same database: Settings → About and security → Import data key…, or DATA_KEY_FILE and DATA_KEY_PASSPHRASE at start-up.',
      keyId: header.keyId,
      createdAt: header.createdAt,
      kdf: header.kdf,
      cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
      passphraseCheck: passphraseCheck(derived).toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    }
    return `${JSON.stringify(file, null, 2)}\n`
  } finally {
    derived.fill(0)
  }
}

/**
 * Reads a key file: the key, or a `DataKeyFileError` that says what is wrong (never the passphrase or the key). Its
 * shape and its KDF cost are checked before any key derivation.
 */
export async function openDataKeyFile(content: string | Buffer, passphrase: string, options: { derive?: KeyDerivation } = {}): Promise<OpenedDataKeyFile> {
  const file = parseDataKeyFile(content)
  const params = { N: file.kdf.N, r: file.kdf.r, p: file.kdf.p }
  assertAffordable(params)
  const derived = await (options.derive ?? derive)(passphrase, Buffer.from(file.kdf.salt, 'base64'), params)
  try {
    if (!timingSafeEqual(passphraseCheck(derived), Buffer.from(file.passphraseCheck, 'base64'))) {
      throw new DataKeyFileError('wrong_passphrase', 'The passphrase is wrong for this data key file (it is not the one the key was exported with).')
    }
    let key: Buffer
    try {
      const decipher = createDecipheriv('aes-256-gcm', derived.subarray(0, KEY_BYTES), Buffer.from(file.cipher.iv, 'base64'), { authTagLength: TAG_BYTES })
      decipher.setAAD(additionalData(file, file.cipher.iv))
      decipher.setAuthTag(Buffer.from(file.cipher.tag, 'base64'))
      key = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'base64')), decipher.final()])
    } catch {
      throw tampered()
    }
    // Authenticated above; a key whose fingerprint differs from the header's can only be a forgery.
    if (key.length !== KEY_BYTES || new SecretBox(key).keyId !== file.keyId) throw tampered()
    return { key, keyId: file.keyId, createdAt: file.createdAt, kdf: params }
  } finally {
    derived.fill(0)
  }
}

/** Checks the file's shape without the passphrase: what kind of file it is, its version, its fields. */
export function parseDataKeyFile(content: string | Buffer): DataKeyFile {
  const raw = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
  if (raw.length > DATA_KEY_FILE_MAX_BYTES) throw tooLargeForKeyFile(raw.length)
  const text = raw.toString('utf8').replace(/^\uFEFF/, '').trim()
  // A file cut off before (or inside) its format line is still ours: the start of what the panel writes.
  const ours = text.includes(`"${DATA_KEY_FILE_FORMAT}"`) || (text.length > 1 && FILE_START.startsWith(text.replace(/\s+/g, '')))
  if (!ours) {
    if (raw.subarray(0, 4).toString('latin1') === 'GAPK' || /^[A-Za-z0-9+/]{43}=$/.test(text)) {
      throw notAKeyFile('it is a host\'s own key store file (data.key or data-key.bin), which must not leave its host; use "Export data key…" instead')
    }
    throw notAKeyFile(text.startsWith('{') ? 'its "format" is not gologin-panel-data-key' : 'it is not JSON')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    // Our marker is there but the JSON is cut off: the usual sign of a partial copy or download.
    if (!text.endsWith('}')) throw new DataKeyFileError('truncated', 'The data key file is incomplete (it was cut off, e.g. by a partial copy or download). Export it again.')
    throw damaged('it is not valid JSON')
  }
  if (!isObject(parsed) || parsed.format !== DATA_KEY_FILE_FORMAT) throw notAKeyFile('its "format" is not gologin-panel-data-key')
  if (parsed.version !== DATA_KEY_FILE_VERSION) {
    if (typeof parsed.version === 'number' && parsed.version > DATA_KEY_FILE_VERSION) {
      throw new DataKeyFileError(
        'unsupported_version',
        `The data key file is format version ${parsed.version}, written by a newer version of the panel (this one reads version ${DATA_KEY_FILE_VERSION}). Update the panel on this host.`,
      )
    }
    throw damaged('its "version" is not a known version')
  }
  const { kdf, cipher } = parsed
  if (!isObject(kdf) || kdf.name !== 'scrypt') throw damaged('"kdf" is not scrypt')
  if (!isObject(cipher) || cipher.name !== 'aes-256-gcm') throw damaged('"cipher" is not aes-256-gcm')
  const params = { N: kdf.N, r: kdf.r, p: kdf.p }
  if (!validParams(params)) throw damaged(`its scrypt parameters (N=${String(kdf.N)}, r=${String(kdf.r)}, p=${String(kdf.p)}) are outside what the panel writes or can afford`)
  const bytes: Array<[string, unknown, number]> = [
    ['kdf.salt', kdf.salt, SALT_BYTES],
    ['cipher.iv', cipher.iv, IV_BYTES],
    ['cipher.tag', cipher.tag, TAG_BYTES],
    ['passphraseCheck', parsed.passphraseCheck, CHECK_BYTES],
    ['ciphertext', parsed.ciphertext, KEY_BYTES],
  ]
  for (const [field, value, length] of bytes) {
    if (!isBase64(value, length)) throw damaged(`"${field}" is missing or not ${length} bytes of base64`)
  }
  if (typeof parsed.keyId !== 'string' || !/^[0-9a-f]{12}$/.test(parsed.keyId)) throw damaged('"keyId" is missing or malformed')
  if (typeof parsed.createdAt !== 'string' || Number.isNaN(Date.parse(parsed.createdAt))) throw damaged('"createdAt" is missing or not a date')
  return parsed as unknown as DataKeyFile
}

/** The header bound to the ciphertext, in a fixed order so that writer and reader produce the same bytes. */
function additionalData(header: Pick<DataKeyFile, 'format' | 'version' | 'keyId' | 'createdAt' | 'kdf'>, iv: string): Buffer {
  const { kdf } = header
  return Buffer.from(JSON.stringify([header.format, header.version, header.keyId, header.createdAt, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt, 'aes-256-gcm', iv]), 'utf8')
}

function passphraseCheck(derived: Buffer): Buffer {
  return createHmac('sha256', derived.subarray(KEY_BYTES)).update(CHECK_LABEL).digest().subarray(0, CHECK_BYTES)
}

function derive(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // NFC: the same passphrase typed on macOS and Windows gives the same bytes.
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8')
  const maxmem = 128 * params.N * params.r + 16 * 1024 * 1024
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES * 2, { N: params.N, r: params.r, p: params.p, maxmem }, (error, derived) => {
      secret.fill(0)
      if (error) reject(error)
      else resolve(derived)
    })
  })
}

function validParams(params: Record<'N' | 'r' | 'p', unknown>): params is ScryptParams {
  const { N, r, p } = params
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p)) return false
  const [n, rr, pp] = [N as number, r as number, p as number]
  return n >= MIN_N && n <= MAX_N && (n & (n - 1)) === 0 && rr >= 1 && rr <= 32 && pp >= 1 && pp <= 16 && 128 * n * rr <= MAX_MEMORY_BYTES
}

function assertAffordable({ N, r, p }: ScryptParams): void {
  const ceiling = MAX_OPEN_SCRYPT
  if (N <= ceiling.N && r <= ceiling.r && p <= ceiling.p) return
  throw new DataKeyFileError(
    'too_costly',
    `The data key file asks for more key-derivation work (scrypt N=${N}, r=${r}, p=${p}) than this panel's own exports (N=${ceiling.N}, r=${ceiling.r}, p=${ceiling.p}). ` +
      'It was not written by this panel and was refused before any work; export the key again from a host that has it.',
  )
}

function assertParams(params: ScryptParams): void {
  const { N, r, p } = params
  if (!validParams({ N, r, p })) throw new Error(`Unsupported scrypt parameters N=${N} r=${r} p=${p}`)
}

function isBase64(value: unknown, length: number): boolean {
  return typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && Buffer.from(value, 'base64').length === length
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function tooLargeForKeyFile(bytes: number): DataKeyFileError {
  return notAKeyFile(`it is ${bytes} bytes; a data key file is under 1 KB`)
}

function notAKeyFile(why: string): DataKeyFileError {
  return new DataKeyFileError('not_a_key_file', `This is not a data key file of the GoLogin Automation Panel: ${why}.`)
}

function damaged(why: string): DataKeyFileError {
  return new DataKeyFileError('damaged', `The data key file is damaged: ${why}. Export it again.`)
}

function tampered(): DataKeyFileError {
  return new DataKeyFileError('tampered', 'The data key file was altered after it was exported: its contents no longer authenticate. Export it again from a host that has the key.')
}
