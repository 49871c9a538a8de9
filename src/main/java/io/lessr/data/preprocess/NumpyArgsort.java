package io.lessr.data.preprocess;

/**
 * {@code numpy.argsort(values, kind='quicksort')} for int64/datetime64 values, step for step.
 *
 * <p>pandas' {@code Series.sort_values()} uses it, and it is not stable: the order it gives to
 * equal values decides session ids (and which tied sessions land in the test split) in the
 * original preprocessing. Replicating NumPy's introsort (median-of-three quicksort, insertion sort
 * below 16 elements, heapsort past 2·log2(n) levels) is what makes the kit's output byte-identical.
 */
public final class NumpyArgsort {
    private static final int SMALL_QUICKSORT = 15;

    private NumpyArgsort() {}

    public static int[] quicksort(long[] v) {
        int n = v.length;
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        if (n < 2) {
            return a;
        }
        int[] stack = new int[256];
        int[] depth = new int[128];
        int sp = 0;
        int dp = 0;
        int pl = 0;
        int pr = n - 1;
        int cdepth = 2 * (31 - Integer.numberOfLeadingZeros(n));
        while (true) {
            if (cdepth < 0) {
                heapsort(v, a, pl, pr - pl + 1);
            } else {
                while (pr - pl > SMALL_QUICKSORT) {
                    int pm = pl + ((pr - pl) >> 1);
                    if (v[a[pm]] < v[a[pl]]) {
                        swap(a, pm, pl);
                    }
                    if (v[a[pr]] < v[a[pm]]) {
                        swap(a, pr, pm);
                    }
                    if (v[a[pm]] < v[a[pl]]) {
                        swap(a, pm, pl);
                    }
                    long vp = v[a[pm]];
                    int pi = pl;
                    int pj = pr - 1;
                    swap(a, pm, pj);
                    while (true) {
                        do {
                            ++pi;
                        } while (v[a[pi]] < vp);
                        do {
                            --pj;
                        } while (vp < v[a[pj]]);
                        if (pi >= pj) {
                            break;
                        }
                        swap(a, pi, pj);
                    }
                    swap(a, pi, pr - 1);
                    // the larger partition waits on the stack
                    if (pi - pl < pr - pi) {
                        stack[sp++] = pi + 1;
                        stack[sp++] = pr;
                        pr = pi - 1;
                    } else {
                        stack[sp++] = pl;
                        stack[sp++] = pi - 1;
                        pl = pi + 1;
                    }
                    depth[dp++] = --cdepth;
                }
                for (int pi = pl + 1; pi <= pr; ++pi) {
                    int vi = a[pi];
                    long vp = v[vi];
                    int pj = pi;
                    while (pj > pl && vp < v[a[pj - 1]]) {
                        a[pj] = a[pj - 1];
                        pj--;
                    }
                    a[pj] = vi;
                }
            }
            if (sp == 0) {
                return a;
            }
            pr = stack[--sp];
            pl = stack[--sp];
            cdepth = depth[--dp];
        }
    }

    /** {@code numpy.argsort(values, kind='heapsort')}: the fallback of deep quicksort partitions. */
    static int[] heapsort(long[] v) {
        int[] a = new int[v.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        heapsort(v, a, 0, a.length);
        return a;
    }

    /** NumPy's aheapsort on a[from .. from+n-1], with its 1-based heap indexing. */
    private static void heapsort(long[] v, int[] a, int from, int n) {
        int base = from - 1;
        for (int l = n >> 1; l > 0; --l) {
            siftDown(v, a, base, l, n, a[base + l]);
        }
        for (; n > 1; ) {
            int tmp = a[base + n];
            a[base + n] = a[base + 1];
            n -= 1;
            siftDown(v, a, base, 1, n, tmp);
        }
    }

    /** Sinks {@code tmp} from heap position {@code i} within a heap of {@code n}, as NumPy's loop does. */
    private static void siftDown(long[] v, int[] a, int base, int i, int n, int tmp) {
        for (int j = i << 1; j <= n; ) {
            if (j < n && v[a[base + j]] < v[a[base + j + 1]]) {
                j += 1;
            }
            if (v[tmp] < v[a[base + j]]) {
                a[base + i] = a[base + j];
                i = j;
                j += j;
            } else {
                break;
            }
        }
        a[base + i] = tmp;
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
