//! Lines from a client, read in bounded chunks: a line longer than the limit is reported and
//! skipped as it streams past, never held whole; a line that is not UTF-8 is reported, not
//! decoded.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// One line from the client.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A line of text, without its `\n` or `\r\n`.
    Text(String),
    /// A line over the limit: its start is dropped, and its rest will be skipped.
    TooLong,
    /// A line (within the limit) that is not valid UTF-8.
    NotUtf8,
}

/// Reads [`Line`]s of at most `max` bytes.
#[derive(Debug)]
pub(crate) struct LineReader<R> {
    inner: BufReader<R>,
    /// The line so far; never more than `max` bytes and a `\r`.
    line: Vec<u8>,
    max: usize,
    /// Inside an over-long line that was already reported: drop bytes up to its `\n`.
    skipping: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// A reader of lines of at most `max` bytes (their line ending not counted).
    pub(crate) fn new(reader: R, max: usize) -> LineReader<R> {
        LineReader {
            inner: BufReader::new(reader),
            line: Vec::new(),
            max,
            skipping: false,
        }
    }

    /// The next line; `None` at the end of the stream (a last line without `\n` is dropped:
    /// the client hung up in the middle of it). An over-long line is reported once, as soon as
    /// it passes the limit.
    ///
    /// Cancel-safe: the only await is `fill_buf`, and what it returns is consumed with no await
    /// in between.
    ///
    /// # Errors
    /// A read error from the socket.
    pub(crate) async fn next(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let chunk = self.inner.fill_buf().await?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let newline = chunk.iter().position(|&b| b == b'\n');
            let content = &chunk[..newline.unwrap_or(chunk.len())];
            let used = newline.map_or(chunk.len(), |i| i + 1);
            if self.skipping {
                self.skipping = newline.is_none();
                self.inner.consume(used);
                continue;
            }
            let content_len = content.len();
            // One byte of slack for a `\r` before the `\n`, not counted in the limit.
            let over = self.line.len() + content_len > self.max + 1;
            if !over {
                self.line.extend_from_slice(content);
            }
            self.inner.consume(used);
            if over {
                self.line = Vec::new();
                self.skipping = newline.is_none();
                return Ok(Some(Line::TooLong));
            }
            if newline.is_some() {
                let mut bytes = std::mem::take(&mut self.line);
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
                if bytes.len() > self.max {
                    return Ok(Some(Line::TooLong));
                }
                return Ok(Some(match String::from_utf8(bytes) {
                    Ok(text) => Line::Text(text),
                    Err(_) => Line::NotUtf8,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<Line> {
        // A one-byte buffer too, so lines arrive in pieces.
        let mut out = Vec::new();
        let mut reader = LineReader::new(input, max);
        while let Some(line) = reader.next().await.unwrap() {
            out.push(line);
        }
        let mut tiny = LineReader {
            inner: BufReader::with_capacity(1, input),
            line: Vec::new(),
            max,
            skipping: false,
        };
        let mut again = Vec::new();
        while let Some(line) = tiny.next().await.unwrap() {
            again.push(line);
        }
        assert_eq!(out, again, "chunking changed the lines");
        out
    }

    fn text(s: &str) -> Line {
        Line::Text(s.to_owned())
    }

    #[tokio::test]
    async fn lines_up_to_the_limit_pass_longer_ones_are_reported_once() {
        let input = b"abcd\r\nabcd\r\r\nabcde\nabcdefghij\nok\n\xff\xfe\nhalf";
        assert_eq!(
            lines(input, 4).await,
            [
                text("abcd"),
                Line::TooLong,
                Line::TooLong,
                Line::TooLong,
                text("ok"),
                Line::NotUtf8
            ]
        );
    }

    #[tokio::test]
    async fn a_line_is_limited_in_bytes_not_characters() {
        assert_eq!(
            lines("é\néé\n".as_bytes(), 3).await,
            [text("é"), Line::TooLong]
        );
    }
}
