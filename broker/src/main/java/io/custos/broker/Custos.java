package io.custos.broker; public class Custos { public static void main(String[] a){} }
