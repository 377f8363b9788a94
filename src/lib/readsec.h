/* Read sections: pointers that readers load without a lock and that whoever replaces
 * them frees (prog array slots).  A reader loads such a pointer and takes its reference
 * between readsec_begin() and readsec_end(), doing nothing else there (no call that may
 * block).  A replacer swaps the pointer with a sequentially consistent exchange, calls
 * readsec_sync() (which waits until every thread that was inside a section has left it;
 * sections are a few instructions long), and only then drops the old reference.  Readers
 * take no lock and allocate only on a thread's first section.
 *
 * Locking: reader_list_lock (a mutex) guards the list of every thread's reader record: taken
 * when a thread's record is created or freed and by readsec_sync(), which waits under it
 * for readers to leave their sections (they take no lock, so this cannot deadlock).  Leaf
 * lock.  Each record's seq is an atomic. */
#ifndef BPFRUN_READSEC_H
#define BPFRUN_READSEC_H

void readsec_begin(void);
void readsec_end(void);
void readsec_sync(void);

#endif
