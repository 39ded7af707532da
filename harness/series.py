#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the overlay as an ordered, git-am-able patch series.

The series description (series/series.txt) lists the patches in order:
subject, commit message and the changes each takes. A change is a line
added or removed between the pinned base and the assembled tree; a patch
takes the changed lines of PATH with "take: PATH", or only those matching
a regular expression with "take: PATH /REGEX/". An expression is searched
for in one line; one that spans lines (a backslash-n in it) must match
the text from the start of a line on, so that a part can start at a
line that is not unique by itself (the "/**" opening a given comment).
A line goes to the first patch whose expression matches it, else to the
first patch that takes its file whole. Every changed line must go
somewhere and every "take" must take something, so a description that
no longer fits the overlay is an error, not a silently different series.

The last patch may instead be "reverse-of: FILE": a patch that removes
what FILE (a diff in the repository, applied to the assembled tree) would
add back. The patches before it then build the assembled tree with FILE
applied, and the last one goes from there to the assembled tree. So a
removal that must stay separable (a distribution stops one patch earlier)
is kept as the assembled tree without it plus the diff that restores it,
and the overlay holds only the final code.

The patches are committed on top of the base in a scratch worktree of the
assembled tree's repository and written with git format-patch, with a
cover letter. Commit dates are fixed so that the same overlay always
gives the same series.
"""

import argparse
import datetime
import difflib
import email.utils
import os
import re
import shutil
import subprocess
import sys


class SeriesError(Exception):
    pass


def git(repo, *args, env=None, check=True):
    r = subprocess.run(['git', '-C', repo, '-c', 'core.autocrlf=false',
                        '-c', 'advice.detachedHead=false', *args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if check and r.returncode:
        raise SeriesError('git %s: %s' % (' '.join(args),
                                          r.stderr.decode(errors='replace').strip()))
    return r.stdout


class Patch:
    def __init__(self, subject, lineno):
        self.subject = subject
        self.lineno = lineno
        self.body = []
        self.takes = []          # (path, regex or None, description lineno)
        self.used = set()        # indexes of takes that took a line
        self.reverse_of = None   # "reverse-of: FILE", the last patch only


def parse(path):
    """Parse the series description: (cover subject, cover body, patches)."""
    cover_subject, cover_body, patches = None, [], []
    target = None
    with open(path, encoding='utf-8') as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            if line.startswith('|'):
                if target is None:
                    raise SeriesError('%s:%d: text outside a cover or patch body' % (path, n))
                target.append(line[2:] if line.startswith('| ') else line[1:])
                continue
            key, sep, value = line.partition(':')
            value = value.strip()
            if not sep:
                raise SeriesError('%s:%d: expected "key: value", got %r' % (path, n, line))
            if key == 'cover-subject':
                cover_subject = value
            elif key == 'cover-body':
                target = cover_body
            elif key == 'patch':
                patches.append(Patch(value, n))
                target = None
            elif key == 'body':
                if not patches:
                    raise SeriesError('%s:%d: body before the first patch' % (path, n))
                target = patches[-1].body
            elif key == 'reverse-of':
                if not patches:
                    raise SeriesError('%s:%d: reverse-of before the first patch' % (path, n))
                patches[-1].reverse_of = os.path.join(os.path.dirname(os.path.abspath(path)),
                                                      value)
            elif key == 'take':
                if not patches:
                    raise SeriesError('%s:%d: take before the first patch' % (path, n))
                m = re.fullmatch(r'(\S+)(?:\s+/(.*)/)?', value)
                if not m:
                    raise SeriesError('%s:%d: expected "take: PATH [/REGEX/]"' % (path, n))
                regex = re.compile(m.group(2)) if m.group(2) is not None else None
                patches[-1].takes.append((m.group(1), regex, n))
            else:
                raise SeriesError('%s:%d: unknown key %r' % (path, n, key))
    if not cover_subject or not patches:
        raise SeriesError('%s: needs a cover-subject and at least one patch' % path)
    for k, p in enumerate(patches):
        if p.reverse_of and (p.takes or k != len(patches) - 1):
            raise SeriesError('%s:%d: patch %r: reverse-of is for the last patch, without takes'
                              % (path, p.lineno, p.subject))
        if not p.takes and not p.reverse_of:
            raise SeriesError('%s:%d: patch %r takes nothing' % (path, p.lineno, p.subject))
        if not p.body:
            raise SeriesError('%s:%d: patch %r has no commit message' % (path, p.lineno, p.subject))
    return cover_subject, cover_body, patches


def file_lines(repo, rev, path):
    r = subprocess.run(['git', '-C', repo, 'show', '%s:%s' % (rev, path)],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if r.returncode:
        return None
    return r.stdout.decode('utf-8', errors='surrogateescape').splitlines(keepends=True)


# How many lines an expression that spans lines may look at.
SPAN_LINES = 16


def regex_matches(regex, lines, i):
    """Does REGEX match at line I of LINES (see the module's docstring)?"""
    if '\\n' in regex.pattern:
        return regex.match(''.join(lines[i:i + SPAN_LINES])) is not None
    return regex.search(lines[i]) is not None


def regex_owner(patches, path, lines, i):
    """Index of the first patch with an expression for PATH matching at line I."""
    for k, p in enumerate(patches):
        for t, (tpath, regex, _) in enumerate(p.takes):
            if tpath == path and regex is not None and regex_matches(regex, lines, i):
                p.used.add(t)
                return k
    return None


def whole_owner(patches, path):
    """Index of the first patch that takes PATH whole."""
    for i, p in enumerate(patches):
        for t, (tpath, regex, _) in enumerate(p.takes):
            if tpath == path and regex is None:
                p.used.add(t)
                return i
    return None


class FilePlan:
    """A changed file: its base and final lines and who takes each change.

    Within one run of removed or of added lines, a line an expression
    matches starts a part that the lines after it join, up to the next
    line an expression matches; the lines before the first match go to the
    patch that takes the file whole. So "/^config FOO/" takes a whole
    Kconfig entry, help text and blank line included.
    """

    def __init__(self, path, base, final, patches):
        self.path, self.base, self.final = path, base, final
        a, b = base or [], final or []
        self.ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        self.removed = {}    # base line index -> patch index
        self.added = {}      # final line index -> patch index
        for tag, i1, i2, j1, j2 in self.ops:
            if tag != 'equal':
                self.assign(patches, a, range(i1, i2), self.removed)
                self.assign(patches, b, range(j1, j2), self.added)

    def assign(self, patches, lines, indexes, owners):
        part = None
        for i in indexes:
            k = regex_owner(patches, self.path, lines, i)
            if k is not None:
                part = k
            elif part is None:
                part = whole_owner(patches, self.path)
                if part is None:
                    raise SeriesError('%s: no patch takes the changed line %r'
                                      % (self.path, lines[i].rstrip('\n')))
            owners[i] = part

    def steps(self):
        return set(self.removed.values()) | set(self.added.values())

    def state(self, k):
        """The file after patch k: None when it does not exist then."""
        a, b = self.base or [], self.final or []
        out = []
        for tag, i1, i2, j1, j2 in self.ops:
            if tag == 'equal':
                out.extend(a[i1:i2])
                continue
            out.extend(a[i] for i in range(i1, i2) if self.removed[i] > k)
            out.extend(b[j] for j in range(j1, j2) if self.added[j] <= k)
        if self.base is None and not out and all(s > k for s in self.added.values()):
            return None
        if self.final is None and all(s <= k for s in self.removed.values()):
            return None
        return out


def message(patch, signoff):
    lines = [patch.subject, ''] + patch.body
    while lines and not lines[-1].strip():
        lines.pop()
    if signoff:
        # Trailers form one block: add to it when the body ends with one.
        if not re.match(r'^[A-Za-z-]+: ', lines[-1]):
            lines.append('')
        lines.append('Signed-off-by: ' + signoff)
    return '\n'.join(lines) + '\n'


def identity(signoff):
    m = re.fullmatch(r'\s*(.+?)\s*<([^<>@\s]+@[^<>\s]+)>\s*', signoff or '')
    if signoff and not m:
        raise SeriesError('SIGNOFF must look like "Name <mail@example.org>", got %r' % signoff)
    return (m.group(1), m.group(2)) if m else ('Typed dma-buf mappings', 'typed-dma-buf@localhost')


def reset_worktree(src, work, base):
    """WORK: a worktree of SRC at BASE, with nothing else in it.

    One kept from the last run is reset: checking out the whole kernel
    anew costs more than writing the series.
    """
    if os.path.exists(os.path.join(work, '.git')):
        r = subprocess.run(['git', '-C', work, 'checkout', '-q', '-f', '--detach', base],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            git(work, 'clean', '-q', '-f', '-d', '-x')
            return
    git(src, 'worktree', 'remove', '--force', work, check=False)
    shutil.rmtree(work, ignore_errors=True)
    git(src, 'worktree', 'prune')
    git(src, 'worktree', 'add', '--detach', work, base)


def restored_tree(src, work, final, diff, env):
    """Commit the assembled tree with DIFF applied, in WORK: its revision."""
    reset_worktree(src, work, final)
    r = subprocess.run(['git', '-C', work, 'apply', '--index', '--whitespace=nowarn', diff],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode:
        raise SeriesError('%s does not apply to the assembled tree (%s); update it '
                          '(harness/series.sh compat) so that it restores what the last '
                          'patch removes' % (diff, r.stderr.decode(errors='replace').strip()))
    git(work, 'commit', '-q', '--no-verify', '-m', 'before ' + os.path.basename(diff), env=env)
    return git(work, 'rev-parse', 'HEAD').decode().strip()


def commit(work, patch, signoff, env):
    git(work, 'add', '-A', '-f', '.')
    msgfile = os.path.join(work, '.git-series-msg')
    with open(msgfile, 'w', encoding='utf-8') as m:
        m.write(message(patch, signoff))
    git(work, 'commit', '-q', '--no-verify', '--cleanup=verbatim', '-F', msgfile, env=env)
    os.unlink(msgfile)


def changelog(path):
    """(version, text) of the changelog: the first "v<N>:" line is N."""
    lines = [line.rstrip('\n') for line in open(path, encoding='utf-8')
             if not line.startswith('#')]
    for line in lines:
        m = re.match(r'^v(\d+):$', line)
        if m:
            return int(m[1]), '\n'.join(lines).strip('\n')
    raise SeriesError('%s: no "v<N>:" line' % path)


def recipients(src, patch):
    """To (maintainers) and Cc (reviewers, lists) of a patch, from the
    tree's scripts/get_maintainer.pl (no git history: MAINTAINERS only)."""
    out = subprocess.run(['perl', 'scripts/get_maintainer.pl', '--no-git', '--no-git-fallback',
                          patch], cwd=src, check=True, capture_output=True,
                         text=True).stdout
    to, cc = [], []
    for line in out.splitlines():
        m = re.match(r'^(.*?) \((.*)\)$', line.strip())
        who, role = (m[1], m[2]) if m else (line.strip(), '')
        if not who:
            continue
        name, mail = email.utils.parseaddr(who)
        addr = email.utils.formataddr((name, mail), charset='utf-8')
        # Maintainers of any status (S: Supported lists them as supporters).
        lead = role.startswith(('maintainer:', 'supporter:', 'odd fixer:'))
        (to if lead else cc).append(addr)
    return to, cc


def add_recipients(src, out):
    """To: and Cc: headers in every patch, the union in the cover letter,
    as b4 prep does; folded at 78 columns."""
    def header(key, addrs):
        lines, cur = [], key + ':'
        for k, a in enumerate(addrs):
            word = ' ' + a + (',' if k + 1 < len(addrs) else '')
            if len(cur) + len(word) > 78 and cur != key + ':':
                lines.append(cur)
                cur = ''
            cur += word
        return '\n'.join(lines + [cur]) + '\n'

    def insert(path, to, cc):
        with open(path, encoding='utf-8') as f:
            text = f.read()
        head, sep, body = text.partition('\n\n')
        cc = [a for a in cc if a not in to]
        head += '\n' + header('To', to).rstrip('\n') + ('\n' + header('Cc', cc).rstrip('\n') if cc else '')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(head + sep + body)

    names = sorted(n for n in os.listdir(out) if n.endswith('.patch'))
    all_to, all_cc = [], []
    for name in names:
        if name.startswith('0000-'):
            continue
        to, cc = recipients(src, os.path.abspath(os.path.join(out, name)))
        insert(os.path.join(out, name), to, cc)
        all_to += [a for a in to if a not in all_to]
        all_cc += [a for a in cc if a not in all_cc]
    insert(os.path.join(out, names[0]), all_to, all_cc)


def generate(args):
    cover_subject, cover_body, patches = parse(args.desc)
    src = args.src
    # Commit ids: "HEAD" in the scratch worktree would be its own.
    base, final = (git(src, 'rev-parse', '--verify', r + '^{commit}').decode().strip()
                   for r in (args.base, args.final))
    name, mail = identity(args.signoff)
    env = dict(os.environ, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=mail,
               GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=mail,
               GIT_AUTHOR_DATE=args.date, GIT_COMMITTER_DATE=args.date)
    work = os.path.abspath(args.work)
    last = patches[-1] if patches[-1].reverse_of else None
    # The patches that take lines build TARGET: the assembled tree, or the
    # one the last patch goes from.
    target = restored_tree(src, work, final, last.reverse_of, env) if last else final
    taking = patches[:-1] if last else patches

    names = git(src, 'diff', '--no-renames', '--name-only', '-z', base, target).decode()
    paths = [p for p in names.split('\0') if p]
    plans = [FilePlan(p, file_lines(src, base, p), file_lines(src, target, p), taking)
             for p in paths]
    for p in taking:
        for t, (tpath, regex, n) in enumerate(p.takes):
            if t not in p.used:
                raise SeriesError('%s:%d: "take: %s%s" takes no changed line'
                                  % (args.desc, n, tpath,
                                     ' /%s/' % regex.pattern if regex else ''))

    reset_worktree(src, work, base)
    for k, patch in enumerate(taking):
        touched = [f for f in plans if k in f.steps()]
        if not touched:
            raise SeriesError('patch %d (%s) changes nothing' % (k + 1, patch.subject))
        for f in touched:
            dest = os.path.join(work, f.path)
            content = f.state(k)
            if content is None:
                if os.path.exists(dest):
                    os.unlink(dest)
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, 'w', encoding='utf-8', errors='surrogateescape',
                      newline='') as out:
                out.writelines(content)
            if f.base is not None:
                shutil.copymode(os.path.join(src, f.path), dest)
        commit(work, patch, args.signoff, env)

    # Nothing may be left out: the last state is the assembled tree.
    def tree(repo, rev):
        return git(repo, 'rev-parse', rev + '^{tree}').decode().strip()
    if last:
        if tree(work, 'HEAD') != tree(src, target):
            raise SeriesError('the patches before "%s" do not rebuild the tree it removes from'
                              % last.subject)
        before = git(work, 'rev-parse', 'HEAD').decode().strip()
        git(work, 'checkout', '-q', '-f', '--detach', final)
        git(work, 'reset', '-q', '--soft', before)
        if tree(work, 'HEAD') == tree(src, final):
            raise SeriesError('"%s" removes nothing: %s restores nothing'
                              % (last.subject, last.reverse_of))
        commit(work, last, args.signoff, env)
    if tree(work, 'HEAD') != tree(src, final):
        raise SeriesError('the series does not rebuild the assembled tree (tree %s, want %s)'
                          % (tree(work, 'HEAD'), tree(src, final)))

    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    version, changes = changelog(args.changelog) if args.changelog else (1, '')
    prefix = 'PATCH' if version == 1 else 'PATCH v%d' % version
    git(work, 'format-patch', '-q', '--cover-letter', '--no-signature', '--thread=shallow',
        '--subject-prefix=' + prefix, '--base=' + base, '-o', out, base + '..HEAD', env=env)
    cover = os.path.join(out, '0000-cover-letter.patch')
    with open(cover, encoding='utf-8') as c:
        text = c.read()
    text = text.replace('*** SUBJECT HERE ***', cover_subject)
    blurb = '\n'.join(cover_body).rstrip('\n')
    if changes:
        blurb += '\n\nChanges:\n\n' + changes
    text = text.replace('*** BLURB HERE ***', blurb)
    with open(cover, 'w', encoding='utf-8') as c:
        c.write(text)
    if args.maintainers:
        add_recipients(src, out)
    # git puts the current time into the Message-Ids that thread the
    # series: the fixed date instead, so that the same overlay gives the
    # same files. A subject git folded is unfolded (one line is within
    # RFC 5322's limit): b4 0.12 cannot read a folded subject from a
    # local mbox.
    stamp = str(int(datetime.datetime.fromisoformat(args.date).timestamp()))
    for name in os.listdir(out):
        path = os.path.join(out, name)
        with open(path, encoding='utf-8') as f:
            text = f.read()
        text = re.sub(r'^((?:Message-Id|In-Reply-To|References): <[^>]*?\.)\d+(\.git\.)',
                      lambda m: m[1] + stamp + m[2], text, flags=re.M)
        head, sep, body = text.partition('\n\n')
        head = re.sub(r'^(Subject: .*)((?:\n .*)+)$',
                      lambda m: m[1] + m[2].replace('\n', ''), head, flags=re.M)
        text = head + sep + body
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
    for name in sorted(os.listdir(out)):
        print(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--src', required=True, help='the assembled tree (a git repository)')
    ap.add_argument('--base', default='base', help='revision of the pristine base')
    ap.add_argument('--final', default='HEAD', help='revision of base + overlay')
    ap.add_argument('--desc', required=True, help='the series description')
    ap.add_argument('--work', required=True, help='scratch worktree to commit in')
    ap.add_argument('--out', required=True, help='directory for the patches')
    ap.add_argument('--signoff', default='', help='"Name <mail>" to sign off with')
    ap.add_argument('--date', required=True, help='author and commit date')
    ap.add_argument('--changelog', help='the versions file (series/changelog.txt)')
    ap.add_argument('--maintainers', action='store_true',
                    help="To/Cc from the tree's scripts/get_maintainer.pl")
    args = ap.parse_args()
    try:
        generate(args)
    except (SeriesError, OSError, re.error, subprocess.CalledProcessError) as e:
        print('series: %s' % e, file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
