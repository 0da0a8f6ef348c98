// Package netnstest gives tests a network namespace of their own, on Linux
// and as root: its loopback up, programs of the machine (nft, iptables)
// confined to it by wrappers first in PATH, TCP listeners inside it and
// connections from inside it whose outcome a test checks.
//
// A test that cannot make a namespace (not root, no ip, a program missing)
// is skipped with what it needs, or failed when CI=true.
package netnstest
