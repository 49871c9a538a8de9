#!/usr/bin/python3
"""LESSR in plain PyTorch, as the walkthrough defines it, for timing the kit against it.

A port of the walkthrough's model (EOPA, SGAT, AttnReadout, LESSR with feature dropout and
PReLU activations) and its collate functions without DGL, which Debian does not package: DGL's
update_all with a GRU reducer becomes DGL's own degree bucketing (one GRU call per in-degree,
mailboxes in edge order), edge_softmax and softmax_nodes become scatter operations. It reads the
kit's dataset format (train.txt, test.txt, num_items.txt).

  scripts/bench/lessr_torch.py check src/test/resources/golden/lessr-l3-d8.json
      float64 parity with the golden fixture (graphs, eval logits, train loss and gradients)
  scripts/bench/lessr_torch.py time --dataset-dir DIR [--epochs N] [--max-batches N] [--threads 1]
      each epoch's training and evaluation seconds, the first included, and the steady state per batch
  scripts/bench/lessr_torch.py save-random --num-items N [--dtype float64] --out model.pth [model.safetensors model.npz]
      a LESSR with random weights, saved as torch.save(model.state_dict(), f) (the kit's import reads it)
  scripts/bench/lessr_torch.py logits --state-dict F --sessions FILE --out logits.npy
      the model of a state_dict file (the kit's export), load_state_dict(strict=True), eval-mode logits
  scripts/bench/lessr_torch.py attention --state-dict F --sessions FILE --out attention.jsonl
      each session's SGAT attention on its shortcut edges and readout weights (the kit's explain)

Needs Debian's python3-torch (1.13 on Debian 12, 2.6 on Debian 13) and numpy; .safetensors needs
python3-safetensors (Debian 13).
"""
import argparse
import warnings
import json
import sys
import time
from collections import Counter

import numpy as np
import torch as th
from torch import nn


# ---- collate (utils/data/collate.py of the walkthrough) ------------------------------------

def seq_to_graphs(seq):
    """The EOP multigraph and the shortcut graph of one session prefix, as DGL builds them."""
    items, nid = np.unique(seq, return_inverse=True)
    eop_src, eop_dst = nid[:-1], nid[1:]
    pairs = Counter((nid[i], nid[j]) for i in range(len(seq)) for j in range(i, len(seq)))
    sc = np.array(list(pairs.keys()), dtype=np.int64).reshape(-1, 2)
    return items, eop_src, eop_dst, nid[-1], sc[:, 0], sc[:, 1]


class Batch:
    """dgl.batch of the sessions' two graphs: node offsets, edges, last nodes and the GRU buckets."""

    def __init__(self, seqs):
        iid, es, ed, last, ss, sd, seg = [], [], [], [], [], [], []
        off = 0
        for b, seq in enumerate(seqs):
            items, a, c, l, s, d = seq_to_graphs(seq)
            iid.append(items)
            es.append(a + off)
            ed.append(c + off)
            last.append(l + off)
            ss.append(s + off)
            sd.append(d + off)
            seg.append(np.full(len(items), b))
            off += len(items)
        self.num_nodes = off
        self.iid = th.from_numpy(np.concatenate(iid))
        self.eop_src = th.from_numpy(np.concatenate(es).astype(np.int64))
        self.eop_dst = th.from_numpy(np.concatenate(ed).astype(np.int64))
        self.last = th.tensor(last, dtype=th.long)
        self.sc_src = th.from_numpy(np.concatenate(ss))
        self.sc_dst = th.from_numpy(np.concatenate(sd))
        self.segment = th.from_numpy(np.concatenate(seg).astype(np.int64))
        # DGL's degree bucketing: nodes of equal in-degree reduce together, messages in edge order.
        dst = self.eop_dst.numpy()
        order = np.argsort(dst, kind='stable')
        deg = np.bincount(dst, minlength=off)
        starts = np.concatenate([[0], np.cumsum(deg)])
        self.buckets = []
        for d in np.unique(deg[deg > 0]):
            nodes = np.nonzero(deg == d)[0]
            idx = np.stack([order[starts[n]:starts[n] + d] for n in nodes])
            self.buckets.append((th.from_numpy(nodes), th.from_numpy(self.eop_src.numpy()[idx])))


# scatter_reduce is marked beta in PyTorch 1.13; it is what edge_softmax needs.
warnings.filterwarnings('ignore', message='scatter_reduce')


# ---- model ---------------------------------------------------------------------------------

def segment_softmax(e, seg, n):
    """Softmax of scores e (E, 1) over the groups seg (E,) of n groups (edge_softmax, softmax_nodes)."""
    m = th.full((n, 1), -float('inf'), dtype=e.dtype).scatter_reduce(0, seg.unsqueeze(1), e, 'amax', include_self=True)
    x = th.exp(e - m[seg])
    s = th.zeros((n, 1), dtype=e.dtype).index_add_(0, seg, x)
    return x / s[seg]


class EOPA(nn.Module):
    def __init__(self, input_dim, output_dim, feat_drop, batch_norm=True):
        super().__init__()
        self.batch_norm = nn.BatchNorm1d(input_dim) if batch_norm else None
        self.feat_drop = nn.Dropout(feat_drop)
        self.gru = nn.GRU(input_dim, input_dim, batch_first=True)
        self.fc_self = nn.Linear(input_dim, output_dim, bias=False)
        self.fc_neigh = nn.Linear(input_dim, output_dim, bias=False)
        self.activation = nn.PReLU(output_dim)

    def forward(self, g, feat):
        if self.batch_norm is not None:
            feat = self.batch_norm(feat)
        ft = self.feat_drop(feat)
        neigh = th.zeros_like(feat)
        for nodes, src in g.buckets:
            _, hn = self.gru(ft[src])
            neigh = neigh.index_copy(0, nodes, hn.squeeze(0))
        return self.activation(self.fc_self(feat) + self.fc_neigh(neigh))


class SGAT(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, feat_drop, batch_norm=True):
        super().__init__()
        self.batch_norm = nn.BatchNorm1d(input_dim) if batch_norm else None
        self.feat_drop = nn.Dropout(feat_drop)
        self.fc_q = nn.Linear(input_dim, hidden_dim, bias=True)
        self.fc_k = nn.Linear(input_dim, hidden_dim, bias=False)
        self.fc_v = nn.Linear(input_dim, output_dim, bias=False)
        self.fc_e = nn.Linear(hidden_dim, 1, bias=False)
        self.activation = nn.PReLU(output_dim)

    def forward(self, g, feat):
        feat = self.feat_drop(feat if self.batch_norm is None else self.batch_norm(feat))
        q, k, v = self.fc_q(feat), self.fc_k(feat), self.fc_v(feat)
        e = self.fc_e(th.sigmoid(q[g.sc_src] + k[g.sc_dst]))
        a = segment_softmax(e, g.sc_dst, g.num_nodes)
        self.attention = a.detach()  # kept for `attention`: twchen/lessr computes it and drops it
        rst = th.zeros((g.num_nodes, v.shape[1]), dtype=v.dtype).index_add_(0, g.sc_dst, v[g.sc_src] * a)
        return self.activation(rst)


class AttnReadout(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, feat_drop, batch_norm=True):
        super().__init__()
        self.batch_norm = nn.BatchNorm1d(input_dim) if batch_norm else None
        self.feat_drop = nn.Dropout(feat_drop)
        self.fc_u = nn.Linear(input_dim, hidden_dim, bias=False)
        self.fc_v = nn.Linear(input_dim, hidden_dim, bias=True)
        self.fc_e = nn.Linear(hidden_dim, 1, bias=False)
        self.fc_out = nn.Linear(input_dim, output_dim, bias=False) if output_dim != input_dim else None
        self.activation = nn.PReLU(output_dim)

    def forward(self, g, feat):
        feat = self.feat_drop(feat if self.batch_norm is None else self.batch_norm(feat))
        feat_u = self.fc_u(feat)
        feat_v = self.fc_v(feat[g.last])[g.segment]
        e = self.fc_e(th.sigmoid(feat_u + feat_v))
        alpha = segment_softmax(e, g.segment, len(g.last))
        self.attention = alpha.detach()
        rst = th.zeros((len(g.last), feat.shape[1]), dtype=feat.dtype).index_add_(0, g.segment, feat * alpha)
        if self.fc_out is not None:
            rst = self.fc_out(rst)
        return self.activation(rst)


class LESSR(nn.Module):
    def __init__(self, num_items, embedding_dim, num_layers, feat_drop=0.0, batch_norm=True):
        super().__init__()
        self.embedding = nn.Embedding(num_items, embedding_dim)
        self.indices = nn.Parameter(th.arange(num_items, dtype=th.long), requires_grad=False)
        self.layers = nn.ModuleList()
        input_dim = embedding_dim
        for i in range(num_layers):
            layer = (EOPA(input_dim, embedding_dim, feat_drop, batch_norm) if i % 2 == 0
                     else SGAT(input_dim, embedding_dim, embedding_dim, feat_drop, batch_norm))
            self.layers.append(layer)
            input_dim += embedding_dim
        self.readout = AttnReadout(input_dim, embedding_dim, embedding_dim, feat_drop, batch_norm)
        input_dim += embedding_dim
        self.batch_norm = nn.BatchNorm1d(input_dim) if batch_norm else None
        self.feat_drop = nn.Dropout(feat_drop)
        self.fc_sr = nn.Linear(input_dim, embedding_dim, bias=False)

    def forward(self, g):
        # nn.Embedding(max_norm=1) renormalises the rows it looks up, in place; the walkthrough looks
        # up every item for the logits, so every row is renormalised once per pass. Done up front:
        # PyTorch 1.13's embedding backward refuses a weight changed after a first lookup.
        with th.no_grad():
            th.embedding_renorm_(self.embedding.weight, self.indices, 1.0, 2.0)
        feat = self.embedding(g.iid)
        for layer in self.layers:
            feat = th.cat([layer(g, feat), feat], dim=1)
        sr = th.cat([feat[g.last], self.readout(g, feat)], dim=1)
        sr = self.fc_sr(self.feat_drop(sr if self.batch_norm is None else self.batch_norm(sr)))
        return sr @ self.embedding(self.indices).t()


def weight_decay_groups(model, weight_decay):
    """fix_weight_decay of the walkthrough: no decay for biases, batch norms and activations."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if any(w in name for w in ('bias', 'batch_norm', 'activation')) else decay).append(p)
    return [{'params': decay, 'weight_decay': weight_decay}, {'params': no_decay, 'weight_decay': 0}]


# ---- data ----------------------------------------------------------------------------------

def read_sessions(path):
    with open(path) as f:
        return [[int(x) for x in line.split(',')] for line in f if line.strip()]


def augment(sessions):
    """AugmentedDataset: every prefix of length >= 1 with the next item as label."""
    return [(s[:i], s[i]) for s in sessions for i in range(1, len(s))]


# ---- commands ------------------------------------------------------------------------------

def tensor(v):
    """A fixture array: {"shape": [...], "data": [row-major]}."""
    return th.tensor(v['data'], dtype=th.float64).reshape(v['shape'])


def check(fixture_path):
    fx = json.load(open(fixture_path))
    cfg = fx['config']
    th.set_default_dtype(th.float64)
    model = LESSR(cfg['num_items'], cfg['embedding_dim'], cfg['num_layers'])
    state = {k: tensor(v) for k, v in fx['params'].items()}
    state['indices'] = th.arange(cfg['num_items'])
    for k in [k for k in model.state_dict() if k.endswith('num_batches_tracked')]:
        state[k] = th.tensor(0)
    model.load_state_dict(state)
    g = Batch(fx['sessions'])
    for i, (seq, want) in enumerate(zip(fx['sessions'], fx['graphs'])):
        items, es, ed, last, ss, sd = seq_to_graphs(seq)
        assert list(items) == want['nodes_iid'] and list(es) == want['eop_src'] and list(ed) == want['eop_dst'], i
        assert set(zip(ss, sd)) == set(zip(want['shortcut_src'], want['shortcut_dst'])), i
    model.eval()
    with th.no_grad():
        logits = model(g)
    worst = (logits - tensor(fx['eval']['logits'])).abs().max().item()
    model.load_state_dict(state)
    model.train()
    logits = model(g)
    loss = nn.functional.cross_entropy(logits, th.tensor(fx['labels']))
    loss.backward()
    grads = dict(model.named_parameters())
    worst_grad = max((grads[k].grad - tensor(v)).abs().max().item()
                     for k, v in fx['train']['grads'].items())
    print(f'eval logits: max |diff| {worst:.2e}; train loss {loss.item():.12f} vs {fx["train"]["loss"]:.12f}; '
          f'gradients: max |diff| {worst_grad:.2e}')
    ok = worst < 1e-9 and abs(loss.item() - fx['train']['loss']) < 1e-9 and worst_grad < 1e-9
    print('parity: ' + ('yes' if ok else 'NO'))
    return 0 if ok else 1


def timing(args):
    """Every batch of each epoch timed (the first epoch's first batch too, as a fresh process meets it),
    then the evaluation; prints the per-batch means of the steady state and one JSON line of it all."""
    th.set_num_threads(args.threads)
    th.manual_seed(0)
    num_items = int(open(f'{args.dataset_dir}/num_items.txt').read())
    train = augment(read_sessions(f'{args.dataset_dir}/train.txt'))
    test = augment(read_sessions(f'{args.dataset_dir}/test.txt'))
    model = LESSR(num_items, args.embedding_dim, args.num_layers, args.feat_drop)
    opt = th.optim.AdamW(weight_decay_groups(model, 1e-4), lr=1e-3)
    rng = np.random.default_rng(0)
    bs = args.batch_size
    train_batches = len(train) // bs  # drop_last, as the walkthrough's training loader
    test_batches = -(-len(test) // bs)
    n_train = min(train_batches, args.max_batches or train_batches)
    n_test = min(test_batches, args.max_batches or test_batches)
    epochs = []
    collate = step = 0.0  # the steady state: every batch but the first epoch's first
    steady = 0
    for epoch in range(args.epochs):
        order = rng.permutation(len(train))
        model.train()
        start = time.perf_counter()
        for b in range(n_train):
            t0 = time.perf_counter()
            idx = order[b * bs:(b + 1) * bs]
            g = Batch([train[i][0] for i in idx])
            labels = th.tensor([train[i][1] for i in idx])
            t1 = time.perf_counter()
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(g), labels)
            loss.backward()
            opt.step()
            t2 = time.perf_counter()
            if epoch > 0 or b > 0:
                collate += t1 - t0
                step += t2 - t1
                steady += 1
        train_seconds = time.perf_counter() - start
        model.eval()
        start = time.perf_counter()
        with th.no_grad():
            for b in range(n_test):
                chunk = test[b * bs:(b + 1) * bs]
                logits = model(Batch([s for s, _ in chunk]))
                labels = th.tensor([l for _, l in chunk])
                top = logits.topk(20)[1]
                (top == labels.unsqueeze(1)).any(1).float().mean()
        epochs.append({'train_seconds': train_seconds, 'eval_seconds': time.perf_counter() - start})
    per_train = (collate + step) / max(steady, 1)
    per_test = epochs[-1]['eval_seconds'] / n_test
    print(f'items {num_items}, training prefixes {len(train)} ({train_batches} batches of {bs}), '
          f'test prefixes {len(test)} ({test_batches} batches); threads {args.threads}; PyTorch {th.__version__}')
    for e, r in enumerate(epochs):
        print(f'epoch {e}: {n_train} training batches {r["train_seconds"]:.2f} s, {n_test} evaluation batches '
              f'{r["eval_seconds"]:.2f} s')
    print(f'training batch: {per_train * 1000:.1f} ms (collate {collate / max(steady, 1) * 1000:.1f} ms, '
          f'forward+backward+step {step / max(steady, 1) * 1000:.1f} ms) over {steady} batches')
    print(f'evaluation batch: {per_test * 1000:.1f} ms over {n_test} batches')
    print(f'epoch (training + evaluation): {per_train * train_batches + per_test * test_batches:.1f} s')
    blas = [w.split('=')[1] for w in th.__config__.show().replace(',', ' ').split() if w.startswith('BLAS_INFO=')]
    print(json.dumps({'torch': th.__version__, 'blas': blas[0] if blas else None, 'threads': args.threads,
                      'train_batches': n_train, 'test_batches': n_test, 'epochs': epochs,
                      'train_batch_ms': per_train * 1000, 'eval_batch_ms': per_test * 1000}))
    return 0


# ---- state_dicts: weights both ways with the kit -------------------------------------------

def config_of(state_dict):
    """LESSR's configuration from a state_dict's names and shapes, as the kit's import reads it."""
    num_items, embedding_dim = state_dict['embedding.weight'].shape
    layers = {int(k.split('.')[1]) for k in state_dict if k.startswith('layers.')}
    return num_items, embedding_dim, len(layers), any('batch_norm.' in k for k in state_dict)


def read_state_dict(path):
    """A state_dict file as PyTorch users read each format (a .pth with weights_only=True)."""
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        return load_file(path)
    if path.endswith('.npz'):
        with np.load(path) as z:
            return {k: th.from_numpy(z[k].copy()) for k in z.files}
    return th.load(path, weights_only=True)


def save_random(args):
    """A LESSR with random weights and running statistics, saved with torch.save(model.state_dict(), f)."""
    th.manual_seed(args.seed)
    model = LESSR(args.num_items, args.embedding_dim, args.num_layers, 0.0, not args.no_batch_norm)
    with th.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith('running_mean'):
                t.normal_(0, 0.3)
            elif name.endswith('running_var'):
                t.uniform_(0.5, 2.0)
            elif name.endswith('activation.weight'):
                t.uniform_(0.0, 0.5)
            elif name.endswith('num_batches_tracked'):
                t.fill_(7)
    if args.dtype == 'float64':
        model.double()
    for out in args.out:
        if args.whole_model:
            th.save(model, out)
        elif out.endswith('.safetensors'):
            from safetensors.torch import save_file
            save_file(model.state_dict(), out)
        elif out.endswith('.npz'):
            np.savez(out, **{k: v.numpy() for k, v in model.state_dict().items()})
        else:
            th.save(model.state_dict(), out)
    return 0


def load_model(path):
    """The state_dict file and its LESSR, loaded with strict=True, in eval mode."""
    state_dict = read_state_dict(path)
    num_items, embedding_dim, num_layers, batch_norm = config_of(state_dict)
    model = LESSR(num_items, embedding_dim, num_layers, 0.0, batch_norm)
    model.load_state_dict(state_dict, strict=True)
    return state_dict, model.eval()


def logits(args):
    """Eval-mode logits of the state_dict's model (loaded with strict=True) for each session of a file."""
    state_dict, model = load_model(args.state_dict)
    in_order = list(state_dict.keys()) == list(model.state_dict().keys())
    dtypes = sorted({str(v.dtype) for v in state_dict.values()})
    with th.no_grad():
        out = model(Batch(read_sessions(args.sessions)))
    np.save(args.out, out.numpy().astype(np.float32))
    print(json.dumps({'torch': th.__version__, 'config': list(config_of(state_dict)),
                      'state_dict_order': in_order, 'dtypes': dtypes}))
    return 0


def attention(args):
    """Each session's SGAT attention on its shortcut edges and readout weights, eval mode, as JSON lines."""
    _, model = load_model(args.state_dict)
    with open(args.out, 'w') as out, th.no_grad():
        for seq in read_sessions(args.sessions):
            g = Batch([seq])
            model(g)
            items = g.iid.tolist()
            sgat = [{'layer': i, 'edges': [{'src': items[s], 'dst': items[d], 'weight': float(w)} for s, d, w in
                                           zip(g.sc_src.tolist(), g.sc_dst.tolist(), layer.attention.reshape(-1).tolist())]}
                    for i, layer in enumerate(model.layers) if isinstance(layer, SGAT)]
            readout = [{'item': items[n], 'weight': float(w)} for n, w in enumerate(model.readout.attention.reshape(-1).tolist())]
            out.write(json.dumps({'session': seq, 'sgat': sgat, 'readout': readout}) + '\n')
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('check')
    c.add_argument('fixture')
    t = sub.add_parser('time')
    t.add_argument('--dataset-dir', required=True)
    t.add_argument('--max-batches', type=int, default=0)
    t.add_argument('--epochs', type=int, default=1)
    t.add_argument('--threads', type=int, default=1)
    t.add_argument('--batch-size', type=int, default=512)
    t.add_argument('--embedding-dim', type=int, default=32)
    t.add_argument('--num-layers', type=int, default=3)
    t.add_argument('--feat-drop', type=float, default=0.2)
    r = sub.add_parser('save-random', help='a random LESSR saved as torch.save(model.state_dict(), f) (or .safetensors, .npz)')
    r.add_argument('--num-items', type=int, required=True)
    r.add_argument('--embedding-dim', type=int, default=32)
    r.add_argument('--num-layers', type=int, default=3)
    r.add_argument('--no-batch-norm', action='store_true')
    r.add_argument('--seed', type=int, default=0)
    r.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    r.add_argument('--whole-model', action='store_true', help='torch.save(model, f): what the kit must refuse')
    r.add_argument('--out', nargs='+', required=True)
    lg = sub.add_parser('logits', help="eval-mode logits of a state_dict file's model, strict=True, as .npy")
    lg.add_argument('--state-dict', required=True)
    lg.add_argument('--sessions', required=True, help='one session a line, item ids separated by commas')
    lg.add_argument('--out', required=True)
    at = sub.add_parser('attention', help="each session's SGAT and readout attention (eval mode) as JSON lines")
    at.add_argument('--state-dict', required=True)
    at.add_argument('--sessions', required=True, help='one session a line, item ids separated by commas')
    at.add_argument('--out', required=True)
    a = p.parse_args()
    return {'check': lambda: check(a.fixture), 'time': lambda: timing(a), 'save-random': lambda: save_random(a),
            'logits': lambda: logits(a), 'attention': lambda: attention(a)}[a.cmd]()


if __name__ == '__main__':
    sys.exit(main())
