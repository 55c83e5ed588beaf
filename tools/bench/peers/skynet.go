// skynet in Go, the peer of weft-bench's skynet_2w: a tree of goroutines, ten children
// per node, -leaves leaves; each node sums what its children send back on a channel.
// Prints the sum and the wall time in milliseconds. GOMAXPROCS sets the threads.
package main

import (
	"flag"
	"fmt"
	"time"
)

func skynet(out chan<- uint64, num, size uint64) {
	if size == 1 {
		out <- num
		return
	}
	step := size / 10
	children := make(chan uint64, 10)
	for i := uint64(0); i < 10; i++ {
		go skynet(children, num+i*step, step)
	}
	var sum uint64
	for i := 0; i < 10; i++ {
		sum += <-children
	}
	out <- sum
}

func main() {
	leaves := flag.Uint64("leaves", 1000000, "leaves of the tree (a power of ten)")
	flag.Parse()
	start := time.Now()
	out := make(chan uint64, 1)
	go skynet(out, 0, *leaves)
	sum := <-out
	fmt.Printf("%d %.3f\n", sum, float64(time.Since(start).Nanoseconds())/1e6)
}
