import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const STYLES = path.join(import.meta.dirname, '..', '..', '..', 'src', 'renderer', 'src', 'styles')

/**
 * Rules opened inside another style rule. The stylesheets use no CSS nesting, so one is a rule whose closing brace
 * got lost (a merge): the browser then nests every later rule under it and none of them applies.
 */
function nestedRules(css: string): string[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
  const open: Array<{ atRule: boolean }> = []
  const found: string[] = []
  let start = 0
  let line = 1
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '\n') line++
    if (ch === '{') {
      const prelude = text.slice(start, i).trim()
      if (open.length && !open.at(-1)!.atRule) found.push(`line ${line}: "${prelude.split('\n').at(-1)}" inside another rule`)
      open.push({ atRule: prelude.startsWith('@') })
      start = i + 1
    } else if (ch === '}') {
      if (!open.pop()) found.push(`line ${line}: a "}" closes nothing`)
      start = i + 1
    } else if (ch === ';') {
      start = i + 1
    }
  }
  if (open.length) found.push(`${open.length} rule(s) never closed`)
  return found
}

describe('stylesheets', () => {
  it.each(fs.readdirSync(STYLES).filter((file) => file.endsWith('.css')))('%s closes every rule before the next one opens', (file) => {
    expect(nestedRules(fs.readFileSync(path.join(STYLES, file), 'utf8'))).toEqual([])
  })

  it('finds a rule whose closing brace was lost', () => {
    expect(nestedRules('.a {\n  color: red;\n.b {\n  color: blue;\n}\n}\n@media (x) {\n  .c { color: red; }\n}')).toEqual(['line 3: ".b" inside another rule'])
  })
})
