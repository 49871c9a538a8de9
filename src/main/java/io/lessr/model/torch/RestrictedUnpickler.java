package io.lessr.model.torch;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * The pickle inside a {@code torch.save} file, read as {@code torch.load(f, weights_only=True)} reads it:
 * a pickle is a program that may name any Python callable, so only the globals a state_dict needs are
 * known here ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and the storage
 * classes); any other global, and every opcode that builds objects of a class named by the pickle, is
 * refused before anything is made of it. Nothing is ever executed: razorvine's pickle library only
 * decodes, and this class decides what a name may stand for.
 */
final class RestrictedUnpickler extends Unpickler {
    /** A tensor as the pickle describes it: its storage, and the view of it. */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {}

    /** A storage of the file: {@code data/<key>} in the zip, elements of {@code dtype}. */
    record StorageRef(String key, TorchDType dtype, long numel) {}

    /** {@code collections.OrderedDict}, which may carry {@code _metadata} (state_dict versions), ignored. */
    static final class OrderedDict extends LinkedHashMap<Object, Object> {
        public void __setstate__(java.util.HashMap<?, ?> state) {
            // state_dict()'s _metadata: module versions, nothing the weights depend on.
        }
    }

    private record StorageClass(TorchDType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("the pickle calls torch." + dtype.storage() + "(...), which a state_dict never does");
        }
    }

    private static final IObjectConstructor ORDERED_DICT = args -> {
        OrderedDict d = new OrderedDict();
        if (args.length == 1 && args[0] instanceof List<?> pairs) {
            for (Object p : pairs) {
                Object[] kv = (Object[]) p;
                d.put(kv[0], kv[1]);
            }
        } else if (args.length != 0) {
            throw new PickleException("collections.OrderedDict called with " + args.length + " arguments");
        }
        return d;
    };

    private static final IObjectConstructor REBUILD_TENSOR = args -> {
        // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.length < 6 || !(args[0] instanceof StorageRef storage)) {
            throw new PickleException("torch._utils._rebuild_tensor_v2 called with unexpected arguments");
        }
        return new TensorRef(storage, number(args[1]), longs(args[2]), longs(args[3]));
    };

    private final Function<String, String> where;

    /** @param where describes a place in the pickle for messages (the file's name). */
    RestrictedUnpickler(Function<String, String> where) {
        this.where = where;
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case 'c' -> { // GLOBAL module\nname\n
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(global(module, name));
                return NO_RETURN_VALUE;
            }
            case 0x93 -> { // STACK_GLOBAL
                Object name = stack.pop();
                Object module = stack.pop();
                stack.add(global(String.valueOf(module), String.valueOf(name)));
                return NO_RETURN_VALUE;
            }
            case 'u' -> { // SETITEMS: in the pickle's order (the library's own collects them in a HashMap first)
                List<Object> items = stack.pop_all_since_marker();
                if (!(stack.peek() instanceof Map<?, ?> target) || items.size() % 2 != 0) {
                    throw new PickleException(where.apply("sets items of something that is not a dict"));
                }
                @SuppressWarnings("unchecked")
                Map<Object, Object> dict = (Map<Object, Object>) target;
                for (int i = 0; i < items.size(); i += 2) {
                    dict.put(items.get(i), items.get(i + 1));
                }
                return NO_RETURN_VALUE;
            }
            case 'b' -> { // BUILD: only an OrderedDict's state (its _metadata)
                Object state = stack.pop();
                Object target = stack.peek();
                if (!(target instanceof OrderedDict) || !(state instanceof Map<?, ?>)) {
                    throw new PickleException(where.apply("sets the state of an object that is not a state_dict's OrderedDict"));
                }
                return NO_RETURN_VALUE;
            }
            case 'i', 'o', 0x81, 0x92, 0x82, 0x83, 0x84, 'P' -> throw new PickleException(where.apply(
                    "uses the pickle opcode " + opcodeName(key) + ", which builds objects a state_dict does not hold"));
            default -> {
                return super.dispatch(key);
            }
        }
    }

    @Override
    protected Object persistentLoad(Object pid) {
        // ('storage', storage class, key, location, numel)
        if (pid instanceof Object[] t && t.length == 5 && "storage".equals(t[0]) && t[1] instanceof StorageClass c) {
            return new StorageRef(String.valueOf(t[2]), c.dtype(), number(t[4]));
        }
        throw new PickleException(where.apply("refers to a persistent object that is not a tensor storage"));
    }

    private IObjectConstructor global(String module, String name) {
        String full = module + "." + name;
        switch (full) {
            case "collections.OrderedDict":
                return ORDERED_DICT;
            case "torch._utils._rebuild_tensor_v2":
                return REBUILD_TENSOR;
            default:
                if (module.equals("torch") && TorchDType.ofStorage(name).isPresent()) {
                    return new StorageClass(TorchDType.ofStorage(name).get());
                }
                String why = full.startsWith("torch.nn.") || name.equals("LESSR") || module.equals("__main__")
                        ? " (is it a whole model, torch.save(model)? save model.state_dict() instead)" : "";
                throw new PickleException(where.apply("names the global " + full + ", which a state_dict does not use; "
                        + "refused without running it" + why));
        }
    }

    private static String opcodeName(short key) {
        return switch (key) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 0x82, 0x83, 0x84 -> "EXT";
            case 'P' -> "PERSID";
            default -> String.format("0x%02x", key);
        };
    }

    static long number(Object o) {
        if (o instanceof Number n && !(o instanceof Double) && !(o instanceof Float)) {
            return n.longValue();
        }
        throw new PickleException("expected an integer, got " + o);
    }

    static long[] longs(Object o) {
        if (!(o instanceof Object[] t)) {
            throw new PickleException("expected a tuple of integers, got " + o);
        }
        long[] out = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = number(t[i]);
        }
        return out;
    }
}
