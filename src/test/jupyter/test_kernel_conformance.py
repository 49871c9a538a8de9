"""Jupyter's kernel conformance suite (jupyter_kernel_test) against the kit's Java kernel.

Run by KernelConformanceTest with JUPYTER_PATH pointing at a kernelspec for the build under test.
"""
import unittest

import jupyter_kernel_test


class LessrJavaKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "lessr-java"
    language_name = "java"
    file_extension = ".jshell"

    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("to stderr");'

    completion_samples = [
        {"text": "StringBuil", "matches": {"StringBuilder"}},
        {"text": "Math.ab", "matches": {"abs(", "absExact("}},
    ]

    complete_code_samples = ["int x = 1;", "System.out.println(1);", "6 * 7", "void f() { }"]
    incomplete_code_samples = ["for (int i = 0; i < 3; i++) {", "String s = \"abc\" +", "int[] a = {1, 2,"]
    invalid_code_samples = ["int 9x = ;", ")", "int x = );"]

    code_generate_error = 'throw new IllegalStateException("boom");'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "\"lessr\".toUpperCase()", "result": "LESSR"},
        {"code": "java.util.List.of(1, 2, 3)", "result": "[1, 2, 3]"},
    ]

    code_display_data = [
        {"code": 'display(mime("text/html", "<b>bold</b>"));', "mime": "text/html"},
        {"code": 'display("plain text");', "mime": "text/plain"},
        {"code": 'display(tech.tablesaw.api.Table.create("t", tech.tablesaw.api.IntColumn.create("a", 1, 2)));',
         "mime": "text/html"},
    ]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 * 7"

    code_inspect_sample = "Math.max"

    code_clear_output = 'System.out.println("soon gone"); clearOutput();'

    code_page_something = 'page("LESSR: Lossless Edge-order preserving aggregation and Shortcut graph attention");'


if __name__ == "__main__":
    unittest.main()
