// Package torture proves sak's promises under faults: 'sak serve' killed
// with SIGKILL under load, PostgreSQL connections dropped mid-load, and
// two daemons sharing one PostgreSQL database. Its tests build the sak
// binary and run it as a child process, as production does.
package torture
