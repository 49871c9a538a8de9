#!/usr/bin/python3
"""The kit and the PyTorch port (lessr_torch.py) on the same data, in one run, interleaved.

  scripts/bench/side_by_side.py [--runs 5] [--sample-dir data/sample] [--what sample,diginetica]
                                [--kit NAME=LAUNCHER]...

Each round runs each side once, in a fresh process, alternating which goes first, and the table gives
each side's median with its range and the ratio kit / port of each round (median, range):
  sample       `target/lessr train --epochs 2` against `lessr_torch.py time --epochs 2` (one PyTorch
               thread): the first epoch + evaluation of a fresh process, the second, the whole process
  diginetica   `synth --preset diginetica` (43,097 items), 40 (--batches) training batches after 40 warm-up
               ones, and 40 evaluation batches: `bench --max-batches 40 --epochs 1` against
               `lessr_torch.py time --max-batches 40 --epochs 2`
The kit runs as a user runs it (`target/lessr`, both cores); the port with one intra-op thread and one
BLAS thread. PyTorch is this machine's python3 with torch (Debian: apt-get install python3-torch), else
the Debian 13 root that scripts/setup-jupyter.sh makes on Debian 12. Build first: mvn -B -q package -DskipTests.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PORT = REPO / 'scripts/bench/lessr_torch.py'
ONE_THREAD = {'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}


def fail(message):
    print(f'side_by_side: {message}', file=sys.stderr)
    sys.exit(2)


def pytorch():
    """The command prefix that runs python3 with torch, and where it is."""
    probe = subprocess.run(['/usr/bin/python3', '-c', 'import torch'], capture_output=True)
    if probe.returncode == 0:
        return [], 'this machine'
    root = subprocess.run([str(REPO / 'scripts/debian13.sh'), 'root', 'lab'], capture_output=True, text=True)
    if root.returncode != 0:
        fail('no PyTorch: this machine\'s python3 has no torch (apt-get install python3-torch) and the Debian 13 '
             'root could not be made: ' + root.stderr.strip()[-400:])
    path = root.stdout.strip().splitlines()[-1]
    env = ['/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', 'HOME=/root', 'LANG=C.UTF-8'] + [f'{k}={v}' for k, v in ONE_THREAD.items()]
    return [str(REPO / 'scripts/debian13.sh'), 'run', path, '--bind', str(REPO), '--bind', tempfile.gettempdir(), '--'] + env, path


def run(cmd, env=None):
    """(standard output, seconds) of a command that must succeed."""
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        fail(f'{" ".join(cmd)} failed (exit {p.returncode}):\n{p.stderr[-2000:]}')
    return p.stdout, seconds


def port_json(out):
    return json.loads([line for line in out.splitlines() if line.startswith('{')][-1])


class Series:
    """Named measurements of every side, round by round."""

    def __init__(self, kits):
        self.kits = kits
        self.rows = {}

    def add(self, name, values):
        self.rows.setdefault(name, []).append(values)

    def table(self):
        head = '| | ' + ' | '.join(self.kits) + ' | PyTorch port | ' + ' | '.join(f'{k} / port' for k in self.kits) + ' |'
        lines = [head, '|' + '---|' * (2 + 2 * len(self.kits))]
        for name, rounds in self.rows.items():
            cells = [spread([r[k] for r in rounds], 's') for k in self.kits + ['port']]
            cells += [spread([r[k] / r['port'] for r in rounds], '') for k in self.kits]
            lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
        return '\n'.join(lines)


def spread(values, unit):
    fmt = '{:.2f}' if unit == 's' else '{:.3f}'
    med = fmt.format(statistics.median(values)) + (f' {unit}' if unit else '')
    return f'{med} ({fmt.format(min(values))}–{fmt.format(max(values))})'


def in_turn(sides, r):
    """Each side's result, the order rotated by the round so that no side always goes first."""
    names = list(sides)
    order = names[r % len(names):] + names[:r % len(names)]
    return {name: sides[name]() for name in order}


def sample_round(series, data, prefix, kits, r):
    def kit(launcher):
        def go():
            with tempfile.TemporaryDirectory() as tmp:
                metrics = Path(tmp) / 'metrics.csv'
                _, seconds = run([launcher, 'train', '--dataset-dir', str(data), '--epochs', '2', '--metrics-out', str(metrics)])
                epochs = list(csv.DictReader(metrics.open()))
            return [float(e['train_seconds']) + float(e['eval_seconds']) for e in epochs], seconds, epochs[0]['mean_loss']
        return go

    def port():
        out, seconds = run(prefix + ['/usr/bin/python3', str(PORT), 'time', '--dataset-dir', str(data), '--epochs', '2', '--threads', '1'],
                           ONE_THREAD)
        info = port_json(out)
        return [e['train_seconds'] + e['eval_seconds'] for e in info['epochs']], seconds, info

    sides = {name: kit(launcher) for name, launcher in kits.items()}
    sides['port'] = port
    got = in_turn(sides, r)
    series.add('sample: first epoch + evaluation, fresh process', {k: v[0][0] for k, v in got.items()})
    series.add('sample: second epoch + evaluation', {k: v[0][1] for k, v in got.items()})
    series.add('sample: whole process (start, 2 epochs, exit)', {k: v[1] for k, v in got.items()})
    print('  ' + '; '.join(f'{k} {v[0][0]:.2f} + {v[0][1]:.2f} s ({v[1]:.2f} s in all'
                           + (f', first loss {v[2]})' if k != 'port' else ')') for k, v in got.items()), flush=True)
    return got['port'][2]


def diginetica_round(series, data, prefix, kits, r, batches):
    def kit(launcher):
        def go():
            out, _ = run([launcher, 'bench', '--dataset-dir', str(data), '--max-batches', str(batches), '--epochs', '1'])
            m = re.search(r'^epoch 1: train ([0-9.]+) s .*eval ([0-9.]+) s', out, re.M)
            if not m:
                fail('no timed epoch in the kit\'s bench output:\n' + out)
            return float(m.group(1)), float(m.group(2))
        return go

    def port():
        out, _ = run(prefix + ['/usr/bin/python3', str(PORT), 'time', '--dataset-dir', str(data), '--max-batches', str(batches),
                               '--epochs', '2', '--threads', '1'], ONE_THREAD)
        info = port_json(out)
        return info['epochs'][1]['train_seconds'], info['epochs'][1]['eval_seconds'], info

    sides = {name: kit(launcher) for name, launcher in kits.items()}
    sides['port'] = port
    got = in_turn(sides, r)
    series.add(f'diginetica preset: {batches} training batches', {k: v[0] for k, v in got.items()})
    series.add(f'diginetica preset: {batches} evaluation batches', {k: v[1] for k, v in got.items()})
    print('  ' + '; '.join(f'{k} {v[0]:.2f} s training, {v[1]:.2f} s evaluation' for k, v in got.items()), flush=True)
    return got['port'][2]


def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument('--runs', type=int, default=5, help='rounds (default 5)')
    a.add_argument('--sample-dir', default='data/sample', help='the sample (default data/sample: target/lessr download)')
    a.add_argument('--diginetica-dir', default='target/bench/diginetica',
                   help='made once by target/lessr synth --preset diginetica (default target/bench/diginetica)')
    a.add_argument('--what', default='sample,diginetica')
    a.add_argument('--batches', type=int, default=40, help='diginetica: timed training (and evaluation) batches (default 40)')
    a.add_argument('--kit', action='append', metavar='NAME=LAUNCHER',
                   help='a kit to run (default: kit=target/lessr); give it again to compare builds, e.g. before=/tmp/old/target/lessr')
    args = a.parse_args()
    kits = dict(k.split('=', 1) for k in (args.kit or ['kit=target/lessr']))
    for name, launcher in kits.items():
        if not (REPO / launcher).exists():
            fail(f'no {launcher}: build first (mvn -B -q package -DskipTests)')
    what = args.what.split(',')
    sample = (REPO / args.sample_dir).resolve()
    if 'sample' in what and not (sample / 'train.txt').exists():
        fail(f'no sample in {sample}: target/lessr download (or --sample-dir)')
    diginetica = (REPO / args.diginetica_dir).resolve()
    if 'diginetica' in what and not (diginetica / 'train.txt').exists():
        # 8,000 sessions each way give the 2 x 40 batches of 512 prefixes with 43,097 items, as the full preset's.
        run([next(iter(kits.values())), 'synth', '--preset', 'diginetica', '--num-train', '8000', '--num-test', '8000', '--out', str(diginetica)])
    prefix, where = pytorch()
    series = Series(list(kits))
    port_info = None
    for r in range(args.runs):
        print(f'round {r + 1} of {args.runs}', flush=True)
        if 'sample' in what:
            port_info = sample_round(series, sample, prefix, kits, r)
        if 'diginetica' in what:
            port_info = diginetica_round(series, diginetica, prefix, kits, r, args.batches)
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
    print(f'\n{os.cpu_count()} cores, {cpu}; PyTorch port: {where}'
          + (f', torch {port_info["torch"]}, BLAS {port_info["blas"]}' if port_info else '') + f'; {args.runs} rounds')
    print(series.table())
    return 0


if __name__ == '__main__':
    sys.exit(main())
