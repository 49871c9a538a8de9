package io.lessr.cli;
public class Main { public static void main(String[] a) {} }
