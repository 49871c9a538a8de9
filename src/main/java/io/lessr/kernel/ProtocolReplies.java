package io.lessr.kernel;

import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.history.HistoryEntry;
import io.github.spencerpark.jupyter.kernel.history.HistoryManager;
import io.github.spencerpark.jupyter.messages.Header;
import io.github.spencerpark.jupyter.messages.ContentType;
import io.github.spencerpark.jupyter.messages.MessageType;
import io.github.spencerpark.jupyter.messages.ReplyType;
import io.github.spencerpark.jupyter.messages.reply.KernelInfoReply;
import io.github.spencerpark.jupyter.messages.request.HistoryRequest;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import io.github.spencerpark.jupyter.messages.reply.CommInfoReply;
import io.github.spencerpark.jupyter.messages.reply.ExecuteReply;
import java.util.Map;

/** Replies as the Jupyter messaging protocol (v5.3) specifies them, {@code status} included. */
final class ProtocolReplies {
    private ProtocolReplies() {}

    static final class KernelInfo extends KernelInfoReply {
        @SuppressWarnings("unused") // serialised by Gson
        private final String status = "ok";

        KernelInfo(String implementation, String version, LanguageInfo language, String banner,
                List<LanguageInfo.Help> help) {
            super(Header.PROTOCOL_VERISON, implementation, version, language, banner, help);
        }
    }

    static final class CommInfo extends CommInfoReply {
        @SuppressWarnings("unused") // serialised by Gson
        private final String status = "ok";

        CommInfo(Map<String, CommInfoReply.CommInfo> comms) {
            super(comms);
        }
    }

    /**
     * The base kernel serialises its own history reply's entries as objects; the protocol wants
     * tuples {@code [session, line, input]} or {@code [session, line, [input, output]]}.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static final class History implements ContentType<History>, ReplyType<HistoryRequest> {
        @SuppressWarnings("unused") // serialised by Gson
        private final String status = "ok";
        private final List<List<Object>> history = new ArrayList<>();

        History(List<HistoryEntry> entries) {
            for (HistoryEntry e : entries) {
                Object cell = e.hasOutput() ? List.of(e.getInput(), e.getOutput()) : e.getInput();
                history.add(List.of(e.getSession(), e.getCellNumber(), cell));
            }
        }

        @Override
        public MessageType<History> getType() {
            return (MessageType) MessageType.HISTORY_REPLY;
        }

        @Override
        public MessageType<HistoryRequest> getRequestType() {
            return MessageType.HISTORY_REQUEST;
        }
    }

    /** An execute reply with payloads (the base kernel's has none). */
    static final class Execute extends ExecuteReply {
        @SuppressWarnings("unused") // serialised by Gson
        private final List<Map<String, Object>> payload;

        Execute(int count, List<Map<String, Object>> payload) {
            super(count, Map.of());
            this.payload = payload;
        }
    }

    static List<HistoryEntry> lookup(HistoryManager manager, HistoryRequest request) {
        Set<HistoryManager.ResultFlag> flags = EnumSet.noneOf(HistoryManager.ResultFlag.class);
        if (request.includeOutput()) {
            flags.add(HistoryManager.ResultFlag.INCLUDE_OUTPUT);
        }
        if (!request.useRaw()) {
            flags.add(HistoryManager.ResultFlag.TRANSFORMED_INPUT);
        }
        List<HistoryEntry> entries = switch (request.getAccessType()) {
            case TAIL -> manager.lookupTail(((HistoryRequest.Tail) request).getMaxReturnLength(), flags);
            case RANGE -> {
                HistoryRequest.Range r = (HistoryRequest.Range) request;
                yield manager.lookupRange(r.getSessionIndex(), r.getStart(), r.getStop(), flags);
            }
            case SEARCH -> {
                HistoryRequest.Search s = (HistoryRequest.Search) request;
                if (s.filterUnique()) {
                    flags.add(HistoryManager.ResultFlag.UNIQUE);
                }
                yield manager.search(s.getPattern(), s.getMaxReturnLength(), flags);
            }
        };
        return entries == null ? List.of() : entries;
    }
}
