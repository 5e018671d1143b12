# tasklab debug kthread-run -x docs/walkthroughs/break-on-kthreadd.gdb
break kthreadd
run
bt
info tasks
break create_kthread
continue
bt
print *create
finish
