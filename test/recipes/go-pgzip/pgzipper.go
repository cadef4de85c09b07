// pgzipper: the reference the pgzip recipe tests compare stowage's encoder with. It gzips standard input to
// standard output with klauspost's pgzip at its default level, as containers/image (podman, buildah, skopeo) calls
// it: pgzip.NewWriter, default block size and concurrency, io.Copy's writes (or -write N), then Close. Built against
// whatever klauspost/compress and pgzip the GOPATH holds (Debian forky's golang-github-klauspost-*-dev).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/pgzip"
)

func main() {
	write := flag.Int("write", 0, "write size in bytes (0: io.Copy)")
	threads := flag.Int("threads", 0, "blocks compressed at once (0: pgzip's default, GOMAXPROCS)")
	flag.Parse()
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	zw := pgzip.NewWriter(out)
	if *threads > 0 {
		if err := zw.SetConcurrency(1<<20, *threads); err != nil {
			fail(err)
		}
	}
	if *write > 0 {
		buf := make([]byte, *write)
		for {
			n, rerr := io.ReadFull(os.Stdin, buf)
			if n > 0 {
				if _, err := zw.Write(buf[:n]); err != nil {
					fail(err)
				}
			}
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			if rerr != nil {
				fail(rerr)
			}
		}
	} else if _, err := io.Copy(zw, os.Stdin); err != nil {
		fail(err)
	}
	if err := zw.Close(); err != nil {
		fail(err)
	}
	if err := out.Flush(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pgzipper:", err)
	os.Exit(1)
}
