// gzipper: the reference the recipe tests compare stowage's Go-flate encoder with. It gzips standard input to
// standard output with the Go toolchain's own compress/gzip at the level given (1-9, or -1 for DefaultCompression),
// the way moby, containerd and go-containerregistry call it: a zero header (no mtime, no name), io.Copy's 32 KiB
// writes unless -write N asks for writes of N bytes.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	level := flag.Int("level", gzip.DefaultCompression, "compression level")
	write := flag.Int("write", 0, "write size in bytes (0: io.Copy)")
	flag.Parse()
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	zw, err := gzip.NewWriterLevel(out, *level)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gzipper:", err)
		os.Exit(2)
	}
	if *write > 0 {
		buf := make([]byte, *write)
		for {
			n, rerr := io.ReadFull(os.Stdin, buf)
			if n > 0 {
				if _, err := zw.Write(buf[:n]); err != nil {
					fmt.Fprintln(os.Stderr, "gzipper:", err)
					os.Exit(1)
				}
			}
			if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
				break
			}
			if rerr != nil {
				fmt.Fprintln(os.Stderr, "gzipper:", rerr)
				os.Exit(1)
			}
		}
	} else if _, err := io.Copy(zw, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "gzipper:", err)
		os.Exit(1)
	}
	if err := zw.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "gzipper:", err)
		os.Exit(1)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gzipper:", err)
		os.Exit(1)
	}
}
