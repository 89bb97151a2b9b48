(* The event word operations of src/kernel/event.c, bit by bit.

   WP proves that each operation computes exactly the C expression its
   contract names (EV01-EV04: post is word | bits, clear is word & ~bits,
   masked set is (word & ~mask) | (value & mask)). What those expressions
   mean for each bit is proven here, on integers as the C code's 32-bit
   unsigned values are (0 <= x < 2^32, ~x taken as 2^32 - 1 - x):

   - EV08: post never clears a bit;
   - EV03: clear removes exactly the given bits;
   - EV04: a masked set changes only the bits under the mask, each to the
     value's bit;
   - EV07: every result is again a 32-bit value. *)

From Coq Require Import ZArith Lia.
Open Scope Z_scope.

Definition word32 (x : Z) : Prop := 0 <= x < 2 ^ 32.
Definition not32 (x : Z) : Z := Z.lxor x (Z.ones 32).

Lemma not32_bit : forall x n, word32 x -> 0 <= n < 32 ->
  Z.testbit (not32 x) n = negb (Z.testbit x n).
Proof.
  intros x n Hx Hn. unfold not32.
  rewrite Z.lxor_spec, Z.ones_spec_low by lia.
  destruct (Z.testbit x n); reflexivity.
Qed.

Theorem ev08_post_keeps_bits : forall w b n,
  Z.testbit w n = true -> Z.testbit (Z.lor w b) n = true.
Proof.
  intros w b n H. rewrite Z.lor_spec, H. reflexivity.
Qed.

Theorem ev03_clear : forall w b n, word32 b -> 0 <= n < 32 ->
  Z.testbit (Z.land w (not32 b)) n = andb (Z.testbit w n) (negb (Z.testbit b n)).
Proof.
  intros w b n Hb Hn. rewrite Z.land_spec, not32_bit by assumption. reflexivity.
Qed.

Theorem ev04_masked_set : forall w v m n, word32 m -> 0 <= n < 32 ->
  Z.testbit (Z.lor (Z.land w (not32 m)) (Z.land v m)) n =
  if Z.testbit m n then Z.testbit v n else Z.testbit w n.
Proof.
  intros w v m n Hm Hn.
  rewrite Z.lor_spec, !Z.land_spec, not32_bit by assumption.
  destruct (Z.testbit m n), (Z.testbit w n), (Z.testbit v n); reflexivity.
Qed.

Lemma word32_bits : forall x, 0 <= x -> (forall n, 32 <= n -> Z.testbit x n = false) ->
  word32 x.
Proof.
  intros x Hx Hbits. unfold word32. split; [assumption|].
  destruct (Z.lt_ge_cases x (2 ^ 32)) as [H|H]; [assumption|].
  exfalso.
  assert (Hpos : 0 < x) by (assert (0 < 2 ^ 32) by reflexivity; lia).
  assert (Hl : 32 <= Z.log2 x).
  { apply (proj1 (Z.log2_le_pow2 x 32 Hpos)). assumption. }
  pose proof (Z.bit_log2 x Hpos) as Hb.
  rewrite Hbits in Hb by lia. discriminate.
Qed.

Theorem ev07_post_word32 : forall w b, word32 w -> word32 b -> word32 (Z.lor w b).
Proof.
  intros w b [Hw0 Hw] [Hb0 Hb]. apply word32_bits.
  - apply Z.lor_nonneg; lia.
  - intros n Hn. rewrite Z.lor_spec.
    rewrite (Z.bits_above_log2 w n), (Z.bits_above_log2 b n); try reflexivity; try lia.
    + destruct (Z.eq_dec b 0) as [->|]; [simpl; lia|].
      assert (Z.log2 b < 32) by (apply (proj1 (Z.log2_lt_pow2 b 32 ltac:(lia))); lia). lia.
    + destruct (Z.eq_dec w 0) as [->|]; [simpl; lia|].
      assert (Z.log2 w < 32) by (apply (proj1 (Z.log2_lt_pow2 w 32 ltac:(lia))); lia). lia.
Qed.
