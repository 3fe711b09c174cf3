package io.sluice.broker.internal.net;

/**
 * Client-supplied text as it may go into the broker's log: control characters (line breaks, terminal escapes)
 * written as Java escapes (a backslash, u, four hex digits), and cut at a length, so that what a client sends
 * cannot forge log lines, drive a terminal or fill a disk.
 */
final class LogSafe {
    static final int MAX_CHARS = 256;

    private LogSafe() {
    }

    static String text(String s) {
        if (s == null) {
            return "null";
        }
        int n = Math.min(s.length(), MAX_CHARS);
        StringBuilder out = null;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean unsafe = c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029';
            if (unsafe && out == null) {
                out = new StringBuilder(n + 16).append(s, 0, i);
            }
            if (out != null) {
                if (unsafe) {
                    out.append(String.format("\\%s%04x", "u", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        String safe = out == null ? s.substring(0, n) : out.toString();
        return s.length() > n ? safe + "…(" + s.length() + " chars)" : safe;
    }
}
