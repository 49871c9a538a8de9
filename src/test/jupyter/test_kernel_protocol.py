"""Protocol probes against the kit's Java kernel, through Jupyter's own client: large outputs arrive whole
and in order, odd and bad requests all get a reply, and the kernel goes on answering after each.

Run by KernelProtocolTest with JUPYTER_PATH pointing at a kernelspec for the build under test and
LESSR_JVM_OPTS=-Xmx1g (checked below, and it keeps the out-of-memory probe small).
"""
import time
import unittest

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


class KernelProtocolTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="lessr-java", startup_timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def reply(self, msg_id, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while True:
            msg = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def run_cell(self, code, allow_stdin=False, timeout=TIMEOUT):
        msg_id = self.kc.execute(code, allow_stdin=allow_stdin)
        outputs = []
        deadline = time.time() + timeout
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            if msg["msg_type"] not in ("status", "execute_input"):
                outputs.append(msg)
        return self.reply(msg_id, timeout), outputs

    def assert_alive(self):
        reply, outputs = self.run_cell("40 + 2")
        self.assertEqual("ok", reply["content"]["status"])
        self.assertEqual("42", outputs[-1]["content"]["data"]["text/plain"])

    def test_jvm_options_come_from_the_environment(self):
        reply, outputs = self.run_cell(
            "java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().contains(\"-Xmx1g\")")
        self.assertEqual("true", outputs[-1]["content"]["data"]["text/plain"])

    def test_200000_lines_arrive_whole_and_in_order(self):
        reply, outputs = self.run_cell("for (int i = 0; i < 200000; i++) System.out.println(i);", timeout=300)
        self.assertEqual("ok", reply["content"]["status"])
        streams = [m for m in outputs if m["msg_type"] == "stream"]
        text = "".join(m["content"]["text"] for m in streams)
        self.assertEqual([str(i) for i in range(200000)], text.splitlines())
        self.assertLess(len(streams), 2000, "printed lines are sent in batches")

    def test_text_and_displays_keep_their_order(self):
        reply, outputs = self.run_cell(
            'System.out.println("before"); display("shown"); System.out.print("after"); System.err.println("!");')
        kinds = [(m["msg_type"], m["content"].get("text", m["content"].get("data", {}).get("text/plain")))
                 for m in outputs]
        self.assertEqual([("stream", "before\n"), ("display_data", "shown"), ("stream", "after"), ("stream", "!\n")],
                         kinds)

    def test_unicode_split_across_writes_stays_whole(self):
        reply, outputs = self.run_cell(
            'byte[] b = "h\u00e9llo \u20ac \U0001F600\\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);'
            ' for (byte x : b) { System.out.write(x); System.out.flush(); }')
        text = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
        self.assertEqual("h\u00e9llo \u20ac \U0001F600\n", text)

    def test_history_search_takes_globs_with_any_character(self):
        self.run_cell("Math.max(1, 2)")
        for pattern in ["[", "*)", "+", "\\", "Math.max(*", "(", "a{2", "*[a-z]*", ".*", "$"]:
            reply = self.reply(self.kc.history(hist_access_type="search", pattern=pattern))
            self.assertEqual("ok", reply["content"]["status"], pattern)
        found = self.reply(self.kc.history(hist_access_type="search", pattern="Math.ma?(*"))["content"]["history"]
        self.assertIn("Math.max(1, 2)", [h[2] for h in found])
        literal = self.reply(self.kc.history(hist_access_type="search", pattern="Math.max"))["content"]["history"]
        self.assertEqual([], literal, "no wildcard, no partial match")
        self.assert_alive()

    def test_odd_requests_all_get_a_reply(self):
        probes = [
            lambda: self.kc.complete("Str", 1000),
            lambda: self.kc.complete("", 0),
            lambda: self.kc.complete("abc", -4),
            lambda: self.kc.inspect("Lessr", 999),
            lambda: self.kc.inspect("", 0),
            lambda: self.kc.is_complete(""),
            lambda: self.kc.is_complete("}}}"),
            lambda: self.kc.history(hist_access_type="bogus"),
            lambda: self.kc.history(hist_access_type="range", session=-5, start=-3, stop=-1),
            lambda: self.kc.history(hist_access_type="tail", n=-1),
            lambda: self.kc.kernel_info(),
            lambda: self.kc.comm_info(),
        ]
        answers = ("ok", "error", "complete", "incomplete", "invalid", "unknown")  # is_complete answers with its verdict
        for i, probe in enumerate(probes):
            reply = self.reply(probe(), timeout=30)
            self.assertIn(reply["content"].get("status"), answers, f"probe {i}: {reply['msg_type']} {reply['content']}")
        # Raw messages a client library would not send: fields missing, wrong types.
        session, socket = self.kc.session, self.kc.shell_channel.socket
        for msg_type, content in [("complete_request", {"code": "x"}), ("complete_request", {"code": "x", "cursor_pos": "far"}),
                                  ("inspect_request", {}), ("inspect_request", {"code": ["not", "text"]}),
                                  ("is_complete_request", {"code": 7}), ("history_request", {"pattern": None}),
                                  ("history_request", {"hist_access_type": 42}), ("kernel_info_request", {"x": 1}),
                                  ("execute_request", {"silent": True}), ("execute_request", {"code": {"a": 1}})]:
            msg = session.send(socket, msg_type, content)
            reply = self.reply(msg["header"]["msg_id"], timeout=30)
            self.assertIn(reply["content"]["status"], answers, f"{msg_type} {content}: {reply['content']}")
        session.send(socket, "no_such_request", {})
        self.assert_alive()

    def test_unreadable_messages_are_dropped_and_the_kernel_goes_on(self):
        from jupyter_client.session import Session
        socket = self.kc.shell_channel.socket
        Session(key=b"not-the-key").send(socket, "kernel_info_request", {})  # wrong signature
        frames = [b"{not json", b"{}", b"{}", b"{}"]  # a header that is not JSON, correctly signed
        signature = self.kc.session.sign(frames)
        socket.send_multipart([b"<IDS|MSG>", signature.encode() if isinstance(signature, str) else signature] + frames)
        self.assert_alive()

    def test_reading_stdin_without_a_front_end_fails_fast(self):
        start = time.time()
        reply, outputs = self.run_cell("new java.util.Scanner(System.in).nextLine()", allow_stdin=False)
        self.assertEqual("error", reply["content"]["status"])
        self.assertLess(time.time() - start, 20)
        self.assert_alive()

    def test_interrupt_request_stops_a_sleeping_and_a_busy_cell(self):
        # interrupt_mode "message": jupyter_client sends interrupt_request on the control channel.
        for code, within in [("Thread.sleep(60_000);", 2), ("long spins = 0; while (true) { spins++; }", 6)]:
            msg_id = self.kc.execute(code)
            while True:
                msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
                    break
            time.sleep(1)
            start = time.time()
            self.km.interrupt_kernel()
            reply = self.reply(msg_id, timeout=30)
            seconds = time.time() - start
            version = self.run_cell("System.getProperty(\"java.version\")")[1][-1]["content"]["data"]["text/plain"]
            print(f"protocol probe, Java {version}: interrupt_request stopped {code!r} in {seconds:.1f} s")
            self.assertEqual("error", reply["content"]["status"], code)
            self.assertLess(seconds, within, code)
            self.assert_alive()

    def test_out_of_memory_is_an_error_and_the_kernel_goes_on(self):
        reply, outputs = self.run_cell(
            "long[][] hog = new long[64][]; for (int i = 0; i < hog.length; i++) hog[i] = new long[1 << 25];")
        self.assertEqual("error", reply["content"]["status"])
        self.assertEqual("java.lang.OutOfMemoryError", reply["content"]["ename"])
        self.run_cell("hog = null;")
        self.assert_alive()

    def test_an_exception_from_to_string_is_an_error(self):
        reply, outputs = self.run_cell(
            'new Object() { public String toString() { throw new IllegalStateException("no text"); } }')
        self.assertEqual("error", reply["content"]["status"])
        self.assertIn("IllegalStateException", reply["content"]["ename"])
        self.assertIn("no text", reply["content"]["evalue"])
        self.assert_alive()


if __name__ == "__main__":
    unittest.main()
